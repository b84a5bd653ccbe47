/// The run second by second, for the after-action report's charts and the
/// CSV export: one row a simulated second (the last one shorter when the run
/// ends between seconds), a column per figure, each named with its unit.
///
/// Memory is bounded: past `capacity` rows, neighbouring rows are merged in
/// pairs and each row then covers twice the time (counts summed, ratios and
/// p50 averaged, p99 and lag the larger, node states the worse), so an hour
/// stays at one second a row and ten hours at eight seconds. Streamed rows
/// (`onRow`) are always the raw seconds.
public struct RunSeries: Sendable {
    /// How neighbouring rows become one.
    public enum Merge: Sendable { case sum, mean, max, worst }

    public struct Column: Sendable, Equatable {
        /// `payment_goodput`, `lag_settlement`, `node-2_state`.
        public let name: String
        /// `requests`, `ms`, `messages`, `ratio`, `state`.
        public let unit: String
        let merge: Merge
    }

    public static let defaultCapacity = 3_600
    public let columns: [Column]
    /// Simulated seconds at the end of each row.
    public private(set) var times: [Double] = []
    /// Seconds each row covers (the last may be shorter).
    public private(set) var spans: [Double] = []
    /// `values[column][row]`; NaN where there was nothing to measure.
    public private(set) var values: [[Double]]
    public let capacity: Int
    /// Rows merged into one so far (1, 2, 4, …).
    public private(set) var rowsPerRow = 1

    /// Node states as numbers in the state columns, better to worse.
    public static let stateCodes: [NodeState] = [.up, .recovering, .draining, .drained, .ejected, .down]

    public init(columns: [Column], capacity: Int = RunSeries.defaultCapacity) {
        precondition(capacity >= 2)
        self.columns = columns
        self.capacity = capacity
        values = columns.map { _ in [] }
    }

    public var count: Int { times.count }
    public func column(_ name: String) -> [Double]? { columns.firstIndex { $0.name == name }.map { values[$0] } }

    mutating func append(at time: Double, span: Double, _ row: [Double]) {
        times.append(time)
        spans.append(span)
        for i in row.indices { values[i].append(row[i]) }
        if times.count > capacity { halve() }
    }

    /// Merges rows in pairs (an odd last row stays alone).
    mutating func halve() {
        let n = times.count
        var t: [Double] = [], s: [Double] = []
        for i in stride(from: 0, to: n, by: 2) {
            let j = min(i + 1, n - 1)
            t.append(times[j])
            s.append(j == i ? spans[i] : spans[i] + spans[j])
        }
        for c in columns.indices {
            let v = values[c]
            var merged: [Double] = []
            merged.reserveCapacity(t.count)
            for i in stride(from: 0, to: n, by: 2) {
                guard i + 1 < n else { merged.append(v[i]); continue }
                merged.append(RunSeries.merge(v[i], v[i + 1], columns[c].merge, spans[i], spans[i + 1]))
            }
            values[c] = merged
        }
        times = t
        spans = s
        rowsPerRow *= 2
    }

    static func merge(_ a: Double, _ b: Double, _ how: Merge, _ sa: Double, _ sb: Double) -> Double {
        if a.isNaN { return b }
        if b.isNaN { return a }
        switch how {
        case .sum: return a + b
        case .mean: return (a * sa + b * sb) / max(sa + sb, 1e-9)
        case .max, .worst: return Swift.max(a, b)
        }
    }
}

/// Takes the run's per-second figures at each tick into its series.
final class SeriesSampler {
    var series: RunSeries
    /// Told of every raw row as it is taken (the CSV export).
    var onRow: ((Double, Double, [Double]) -> Void)?
    var lastTime: Int64 = 0
    var lastTotals: [Double] = []

    init(series: RunSeries) { self.series = series }
}

extension Simulation {
    /// The series' columns for this platform, in a fixed order.
    public var seriesColumns: [RunSeries.Column] {
        var c: [RunSeries.Column] = []
        for w in Workload.allCases {
            for (what, merge) in [("offered", RunSeries.Merge.sum), ("goodput", .sum), ("failed", .sum), ("declined", .sum), ("shed", .sum)] {
                c.append(.init(name: "\(w.name)_\(what)", unit: "requests", merge: merge))
            }
            c.append(.init(name: "\(w.name)_p50", unit: "ms", merge: .mean))
            c.append(.init(name: "\(w.name)_p99", unit: "ms", merge: .max))
        }
        for g in groups { c.append(.init(name: "lag_\(g.name)", unit: "messages", merge: .max)) }
        c.append(.init(name: "cache_hits", unit: "reads", merge: .sum))
        c.append(.init(name: "cache_misses", unit: "reads", merge: .sum))
        for s in shards { c.append(.init(name: "\(s.name)_cpu", unit: "ratio", merge: .mean)) }
        for n in nodes { c.append(.init(name: "\(n.name)_state", unit: "state", merge: .worst)) }
        c.append(.init(name: "in_doubt", unit: "transactions", merge: .max))
        return c
    }

    /// Starts keeping the run's series (from now on); `onRow` is told of every row.
    public func keepSeries(capacity: Int = RunSeries.defaultCapacity, onRow: ((_ time: Double, _ span: Double, _ row: [Double]) -> Void)? = nil) {
        let sampler = SeriesSampler(series: RunSeries(columns: seriesColumns, capacity: capacity))
        sampler.onRow = onRow
        sampler.lastTime = nowMicros
        sampler.lastTotals = seriesTotals()
        seriesSampler = sampler
    }

    /// The series kept so far (nil unless `keepSeries` was called).
    public var series: RunSeries? { seriesSampler?.series }

    /// The cumulative counts behind the count columns, in column order.
    func seriesTotals() -> [Double] {
        var t: [Double] = []
        for w in Workload.allCases {
            let l = load[w.rawValue]
            let o = l.outcomes
            t += [Double(l.offered.total), Double(l.goodput.total),
                  Double(o[RequestOutcome.aborted.rawValue].total + o[RequestOutcome.failed.rawValue].total),
                  Double(o[RequestOutcome.declined.rawValue].total), Double(l.shed.total)]
        }
        let c = cache.stats.total
        t += [Double(c.hits), Double(c.misses)]
        return t
    }

    /// Takes a row: the counts since the last one, the gauges as they stand.
    func sampleSeries() {
        guard let sampler = seriesSampler, nowMicros > sampler.lastTime else { return }
        let totals = seriesTotals()
        let d = zip(totals, sampler.lastTotals).map { $0 - $1 }
        var row: [Double] = []
        var k = 0
        for w in Workload.allCases {
            row += d[k..<k + 5]
            k += 5
            row += workloadLatency[w.rawValue].milliseconds(percentiles: [50, 99]).map { $0 ?? .nan }
        }
        for g in groups { row.append(Double(partitionLags(g).reduce(0, +))) }
        row += d[k..<k + 2]
        for s in shards { row.append(s.cpu.utilisation.last ?? .nan) }
        for n in nodes {
            row.append(Double(RunSeries.stateCodes.firstIndex(of: state(of: n)) ?? 0))
        }
        row.append(Double(inDoubtByWorkload.reduce(0, +)))
        let span = Double(nowMicros - sampler.lastTime) / 1_000_000
        sampler.series.append(at: now.seconds, span: span, row)
        sampler.onRow?(now.seconds, span, row)
        sampler.lastTime = nowMicros
        sampler.lastTotals = totals
    }

    /// Every event logged since the start (the log keeps only the latest).
    public var eventsLogged: Int64 { events.total }

    /// The last, partial row when the run ends between seconds; idempotent.
    public func closeSeries() { sampleSeries() }
}
