import PaySim

/// What the screen showed over the last ten simulated minutes, one
/// snapshot a simulated second, for time travel: `z` freezes the display
/// while the simulation runs on, `[` and `]` step through the past.
struct SnapshotHistory {
    static let seconds = 600
    /// Oldest first, at most `seconds` of them.
    private(set) var entries: [MetricsSnapshot] = []
    private var first = 0

    var count: Int { entries.count }
    /// The kept snapshots, oldest first.
    subscript(i: Int) -> MetricsSnapshot { entries[(first + i) % entries.count] }
    var newest: MetricsSnapshot? { entries.isEmpty ? nil : self[count - 1] }

    /// Keeps `s` when it begins a new simulated second (or when `force`).
    mutating func record(_ s: MetricsSnapshot, force: Bool = false) {
        if let n = newest {
            guard s.time > n.time else { return }
            guard force || s.time.microseconds / 1_000_000 > n.time.microseconds / 1_000_000 else { return }
        }
        let kept = s.forHistory()
        if entries.count < SnapshotHistory.seconds {
            entries.append(kept)
        } else {
            entries[first] = kept
            first = (first + 1) % entries.count
        }
    }

    /// The index of the kept snapshot at `time`, or the newest before it.
    func index(atOrBefore time: SimTime) -> Int? {
        var lo = 0, hi = count - 1, found: Int?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if self[mid].time <= time { found = mid; lo = mid + 1 } else { hi = mid - 1 }
        }
        return found
    }
}
