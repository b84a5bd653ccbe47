import DequeModule

/// The external card gateway and its side of the books.
///
/// It authorises card charges with a long-tailed latency and some declines,
/// and reverses (voids) them on request. It keeps its own record: every
/// charge it approved, until the platform either credits the wallet for it
/// (and the two records are matched) or reverses it. While it is down it
/// answers nothing: authorisations sent to it are lost, uncharged, and the
/// caller cannot tell that from a charge whose answer was lost.
struct CardGateway {
    var up = true
    private var rng: SeededRandom
    let latency: LogNormal
    let declineFraction: Double

    /// Approved charges not yet matched with a credit or reversed: request id → amount.
    private(set) var openCharges: [Int64: Int64] = [:]
    /// Reversals that arrived before the authorisation they reverse; it will
    /// be refused when it comes. Kept for `tombstoneRetention`, oldest first.
    private var reversedEarly: Set<Int64> = []
    private var reversedEarlyOrder: Deque<(at: Int64, id: Int64)> = []
    let tombstoneRetention: Int64

    private(set) var approved: Int64 = 0
    private(set) var declined: Int64 = 0
    /// Authorisations that arrived while it was down: never processed.
    private(set) var lostWhileDown: Int64 = 0
    private(set) var chargedMinorUnits: Int64 = 0
    private(set) var reversals: Int64 = 0
    private(set) var reversedMinorUnits: Int64 = 0
    private(set) var matchedMinorUnits: Int64 = 0

    init(seed: UInt64, latency: LogNormal, declineFraction: Double, tombstoneRetention: SimDuration) {
        rng = SeededRandom(seed: seed, stream: "gateway")
        self.latency = latency
        self.declineFraction = declineFraction
        self.tombstoneRetention = tombstoneRetention.microseconds
    }

    /// How long an authorisation takes from the caller's send to its answer.
    mutating func sampleLatency() -> Int64 { Int64(latency.sample(&rng)) }

    /// Processes an authorisation: nil when down (lost, nothing charged),
    /// else whether it approved and charged the card.
    mutating func authorise(requestID id: Int64, amount: Int64, now: Int64) -> Bool? {
        guard up else {
            lostWhileDown += 1
            return nil
        }
        expireTombstones(now: now)
        if reversedEarly.contains(id) {
            // The caller already gave up on it and reversed it.
            declined += 1
            return false
        }
        // Drawn even when the answer is fixed, so a tombstone never shifts later draws.
        let decline = rng.chance(declineFraction)
        if decline {
            declined += 1
            return false
        }
        approved += 1
        chargedMinorUnits += amount
        openCharges[id] = amount
        return true
    }

    /// Processes a reversal: nil when down (lost), true once applied (a
    /// charge voided, or the authorisation refused in advance).
    mutating func reverse(requestID id: Int64, now: Int64) -> Bool? {
        guard up else { return nil }
        if let amount = openCharges.removeValue(forKey: id) {
            reversals += 1
            reversedMinorUnits += amount
        } else if !reversedEarly.contains(id) {
            reversedEarly.insert(id)
            reversedEarlyOrder.append((now + tombstoneRetention, id))
        }
        return true
    }

    /// The platform credited the wallet for this charge: the records match.
    mutating func match(requestID id: Int64) -> Int64? {
        guard let amount = openCharges.removeValue(forKey: id) else { return nil }
        matchedMinorUnits += amount
        return amount
    }

    private mutating func expireTombstones(now: Int64) {
        while let first = reversedEarlyOrder.first, first.at <= now {
            reversedEarly.remove(first.id)
            reversedEarlyOrder.removeFirst()
        }
    }
}
