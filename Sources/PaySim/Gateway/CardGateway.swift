import DequeModule

/// The external card gateway and its side of the books.
///
/// A top-up is two calls: an authorisation (the issuer reserves the amount
/// on the card; nothing is charged yet) and a capture (the card is charged).
/// Latency is long-tailed; some authorisations are declined. A reversal
/// under the same id voids an authorisation or refunds a capture. The
/// gateway keeps its own record: every charge it captured, until the
/// platform either credits the wallet for it (the records are matched) or
/// reverses it. While it is down it answers nothing: calls sent to it are
/// lost, and the caller cannot tell that from an answer that was lost.
/// An operator can slow it down and make it drop a share of its answers
/// after doing the work: a timeout whose outcome is truly unknown.
struct CardGateway {
    var up = true
    /// Latency multiplier (a brownout), 1 when healthy.
    var slowFactor = 1.0
    /// Share of calls processed whose answer never leaves the gateway.
    var dropAnswerFraction = 0.0
    private var rng: SeededRandom
    let latency: LogNormal
    let captureLatency: LogNormal
    let declineFraction: Double

    /// Authorised and not yet captured or voided: request id → amount.
    private(set) var authorised = Int64Map<Int64>()
    /// Captured (charged) charges not yet matched with a credit or reversed: request id → amount.
    private(set) var openCharges = Int64Map<Int64>()
    /// Reversals that arrived before the call they reverse; the call will
    /// be refused when it comes. Kept for `tombstoneRetention`, oldest first.
    private var reversedEarly: Set<Int64> = []
    private var reversedEarlyOrder: Deque<(at: Int64, id: Int64)> = []
    /// Charges matched with a wallet credit, kept as long as tombstones, so
    /// a reversal of a credited charge is caught as a break.
    private var matchedIDs: Set<Int64> = []
    private var matchedOrder: Deque<(at: Int64, id: Int64)> = []
    let tombstoneRetention: Int64

    private(set) var approved: Int64 = 0
    private(set) var declined: Int64 = 0
    private(set) var captures: Int64 = 0
    /// Calls that arrived while it was down: never processed.
    private(set) var lostWhileDown: Int64 = 0
    /// Answers it dropped after doing the work.
    private(set) var answersDropped: Int64 = 0
    private(set) var chargedMinorUnits: Int64 = 0
    /// Captured charges refunded by a reversal.
    private(set) var reversals: Int64 = 0
    private(set) var reversedMinorUnits: Int64 = 0
    /// Authorisations voided by a reversal before capture.
    private(set) var authorisationsVoided: Int64 = 0
    private(set) var matchedMinorUnits: Int64 = 0
    /// Reversals of charges the platform had already credited: money given twice.
    private(set) var reversalsOfCredited: [Int64] = []

    init(seed: UInt64, latency: LogNormal, captureLatency: LogNormal, declineFraction: Double, tombstoneRetention: SimDuration) {
        rng = SeededRandom(seed: seed, stream: "gateway")
        self.latency = latency
        self.captureLatency = captureLatency
        self.declineFraction = declineFraction
        self.tombstoneRetention = tombstoneRetention.microseconds
    }

    /// How long an authorisation takes from the caller's send to its answer.
    mutating func sampleLatency() -> Int64 { Int64(latency.sample(&rng) * slowFactor) }
    /// How long a capture takes.
    mutating func sampleCaptureLatency() -> Int64 { Int64(captureLatency.sample(&rng) * slowFactor) }

    /// Whether this answer is dropped after the work is done. Drawn only
    /// while the fault is on, so a healthy gateway's draws never shift.
    mutating func dropsAnswer() -> Bool {
        guard dropAnswerFraction > 0, rng.chance(dropAnswerFraction) else { return false }
        answersDropped += 1
        return true
    }

    /// Processes an authorisation: nil when down (lost, nothing reserved),
    /// else whether it approved and reserved the amount on the card.
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
        authorised[id] = amount
        return true
    }

    /// Processes a capture: nil when down (lost), else whether it charged
    /// the card. A capture of an authorisation that was voided is refused.
    mutating func capture(requestID id: Int64) -> Bool? {
        guard up else {
            lostWhileDown += 1
            return nil
        }
        guard let amount = authorised.removeValue(forKey: id) else { return false }
        captures += 1
        chargedMinorUnits += amount
        openCharges[id] = amount
        return true
    }

    /// Processes a reversal: nil when down (lost), true once applied (a
    /// charge refunded, an authorisation voided, or the call refused in advance).
    mutating func reverse(requestID id: Int64, now: Int64) -> Bool? {
        guard up else { return nil }
        expireTombstones(now: now)
        if let amount = openCharges.removeValue(forKey: id) {
            reversals += 1
            reversedMinorUnits += amount
        } else if authorised.removeValue(forKey: id) != nil {
            // A capture still on its way finds no authorisation and is refused.
            authorisationsVoided += 1
        } else {
            if matchedIDs.contains(id) { reversalsOfCredited.append(id) }
            remember(id, now: now)
        }
        return true
    }

    /// The platform credited the wallet for this charge: the records match.
    /// Nil when the gateway has no captured charge under the id.
    mutating func match(requestID id: Int64, now: Int64) -> Int64? {
        guard let amount = openCharges.removeValue(forKey: id) else { return nil }
        matchedMinorUnits += amount
        matchedIDs.insert(id)
        matchedOrder.append((now + tombstoneRetention, id))
        return amount
    }

    /// The gateway's record of `id`: a captured charge still open, or nil.
    func openCharge(_ id: Int64) -> Int64? { openCharges[id] }

    private mutating func remember(_ id: Int64, now: Int64) {
        if reversedEarly.insert(id).inserted { reversedEarlyOrder.append((now + tombstoneRetention, id)) }
    }

    private mutating func expireTombstones(now: Int64) {
        while let first = reversedEarlyOrder.first, first.at <= now {
            reversedEarly.remove(first.id)
            reversedEarlyOrder.removeFirst()
        }
        while let first = matchedOrder.first, first.at <= now {
            matchedIDs.remove(first.id)
            matchedOrder.removeFirst()
        }
    }
}
