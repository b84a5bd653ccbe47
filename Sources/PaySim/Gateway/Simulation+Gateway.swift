/// Top-ups and the card gateway: the node's call through its circuit breaker
/// and bulkhead, the gateway's answer or its absence, and reversals of every
/// authorisation whose outcome is unknown.
extension Simulation {
    /// An authorisation sent and not yet answered: the platform's journal,
    /// written before the call, so an answer lost with its node is still known
    /// to be owed and can be reversed.
    struct Authorisation {
        let amount: Int64
        let startedAt: Int64
    }

    /// A reversal not yet acknowledged by the gateway.
    struct PendingReversal {
        var sentAt: Int64
    }

    /// The node calls the gateway for a top-up. The call holds one of the
    /// node's gateway connections, not a worker slot; a breaker that is open
    /// or a bulkhead that is full fails it at once.
    func callGateway(_ r: Request, node n: Int) {
        let node = nodes[n]
        r.gatewayStarted = true
        if resilience.breakers {
            let (allowed, transition) = node.breaker.allow(now: nowMicros)
            if let transition { logBreaker(node, transition) }
            guard allowed else {
                r.trace?.mark("gateway", "not called: \(node.name)'s breaker is open", at: nowMicros)
                return shedAfterWork(r, .breakerOpen)
            }
        }
        guard node.bulkhead.acquire() else {
            r.trace?.mark("gateway", "not called: \(node.name)'s bulkhead is full", at: nowMicros)
            return shedAfterWork(r, .bulkheadFull)
        }
        r.gatewayToken &+= 1
        r.gatewayNode = n
        r.gatewayCallStartedAt = nowMicros
        node.gatewayCalls[r.id] = r
        authorisations[r.id] = Authorisation(amount: r.amount, startedAt: nowMicros)
        openTopupLife(r)
        let hop = config.gatewayNetworkHop.microseconds
        schedule(after: max(hop, gateway.sampleLatency() - hop), .gatewayProcess(r, token: r.gatewayToken))
        r.gatewayTimer = scheduleTimer(after: config.gatewayCallTimeout, .gatewayCallTimeout(r, token: r.gatewayToken))
    }

    /// The gateway decides, and reserves the amount on the card if it
    /// approves. While it is down the authorisation is lost and nothing is
    /// reserved; an answer it drops leaves the caller not knowing.
    func onGatewayProcess(_ r: Request, token: UInt32) {
        guard let approved = gateway.authorise(requestID: r.id, amount: r.amount, now: nowMicros) else { return }
        if approved { topupStats.authorised += 1 }
        guard !gateway.dropsAnswer() else { return }
        schedule(after: config.gatewayNetworkHop.microseconds, .gatewayReply(r, approved: approved, token: token))
    }

    /// The authorisation's answer reaches the node: an approval is captured
    /// at once, on the same call's deadline.
    func onGatewayReply(_ r: Request, approved: Bool, token: UInt32) {
        guard let n = liveGatewayCall(r, token: token) else {
            // The caller gave up (timeout) or died with its node: the
            // reversal already sent, or the journal's sweep, voids it.
            if approved { gatewayStats.lateApprovals += 1 }
            return
        }
        guard approved else {
            r.trace?.mark("gateway", "declined by the issuer", at: nowMicros)
            endGatewayCall(r, node: n, failed: false)
            authorisations[r.id] = nil
            return finish(r, .declined)
        }
        let hop = config.gatewayNetworkHop.microseconds
        schedule(after: max(hop, gateway.sampleCaptureLatency() - hop), .gatewayCapture(r, token: token))
    }

    /// The gateway captures (charges the card) unless the authorisation was voided.
    func onGatewayCapture(_ r: Request, token: UInt32) {
        guard let captured = gateway.capture(requestID: r.id) else { return }
        guard !gateway.dropsAnswer() else { return }
        schedule(after: config.gatewayNetworkHop.microseconds, .gatewayCaptureReply(r, captured: captured, token: token))
    }

    /// A confirmed capture: only now may the wallet be credited. The
    /// callback goes onto the log and the wallet-credit consumer applies it,
    /// exactly once.
    func onGatewayCaptureReply(_ r: Request, captured: Bool, token: UInt32) {
        guard let n = liveGatewayCall(r, token: token) else {
            if captured { gatewayStats.lateApprovals += 1 }
            return
        }
        endGatewayCall(r, node: n, failed: false)
        authorisations[r.id] = nil
        guard captured else { return finish(r, .declined) }
        topupStats.captured += 1
        r.record?.state = .captured
        pendingTopups[r.id] = r
        releaseCallbackSlot(r)
        let wallet = r.writes.first { ledger.kind(of: $0.row) == .wallet }!.row
        let source = r.writes.first { ledger.kind(of: $0.row) == .cardNetwork }!.row
        produce(topic: 1, key: Int64(r.customer), .topupCallback(requestID: r.id, amount: r.amount, wallet: wallet, source: source))
    }

    /// No answer in time: the outcome is unknown. The card may have been
    /// charged, so the call is reversed under the same id, and the top-up
    /// fails without crediting anything; a late approval changes nothing.
    func onGatewayCallTimeout(_ r: Request, token: UInt32) {
        guard let n = liveGatewayCall(r, token: token) else { return }
        r.trace?.mark("gateway", "no answer in time: outcome unknown, reversal sent", at: nowMicros)
        endGatewayCall(r, node: n, failed: true)
        r.gatewayToken &+= 1
        authorisations[r.id] = nil
        gatewayStats.unknownOutcomes += 1
        startReversal(r.id)
        finish(r, .failed)
    }

    /// The node still making this call (the caller neither gave up nor
    /// died with its node since `token` was issued), or nil.
    func liveGatewayCall(_ r: Request, token: UInt32) -> Int? {
        guard r.gatewayToken == token, let n = r.gatewayNode, nodes[n].gatewayCalls[r.id] === r else { return nil }
        return n
    }

    func endGatewayCall(_ r: Request, node n: Int, failed: Bool) {
        let node = nodes[n]
        r.trace?.step("gateway", "card call from \(node.name)\(failed ? ": failed" : "")", from: r.gatewayCallStartedAt, to: nowMicros)
        node.gatewayCalls[r.id] = nil
        // The call's timeout can do nothing now (`liveGatewayCall`): it lets go of the request.
        cancelTimer(&r.gatewayTimer)
        node.bulkhead.release()
        noteIfDrained(node)
        guard resilience.breakers else { return }
        let slow = nowMicros - r.gatewayCallStartedAt > config.breakerSlowCallDuration.microseconds
        if let transition = node.breaker.record(now: nowMicros, failed: failed, slow: slow) { logBreaker(node, transition) }
    }

    // MARK: Reversals

    func startReversal(_ id: Int64) {
        reversals[id] = PendingReversal(sentAt: nowMicros)
        schedule(after: config.gatewayNetworkHop.microseconds, .reversalAtGateway(requestID: id))
    }

    func onReversalAtGateway(_ id: Int64) {
        guard gateway.reverse(requestID: id, now: nowMicros) != nil else { return }
        schedule(after: config.gatewayNetworkHop.microseconds, .reversalAcknowledged(requestID: id))
    }

    func onReversalAcknowledged(_ id: Int64) {
        guard reversals.removeValue(forKey: id) != nil else { return }
        gatewayStats.reversalsAcknowledged += 1
        topupStats.reversed += 1
        topupReversed(id)
    }

    /// Once a simulated second: authorisations whose node died before they
    /// were answered are reversed, and reversals the gateway has not
    /// acknowledged (it was down) are sent again.
    func sweepAuthorisations() {
        let orphanedBefore = nowMicros - config.gatewayCallTimeout.microseconds - 1_000_000
        if !authorisations.isEmpty {
            var orphaned: [Int64] = []
            for (id, a) in authorisations where a.startedAt < orphanedBefore { orphaned.append(id) }
            for id in orphaned.sorted() {
                authorisations[id] = nil
                gatewayStats.unknownOutcomes += 1
                startReversal(id)
            }
        }
        if !reversals.isEmpty {
            let resendBefore = nowMicros - config.reversalRetryInterval.microseconds
            var again: [Int64] = []
            for (id, rv) in reversals where rv.sentAt <= resendBefore { again.append(id) }
            for id in again.sorted() { startReversal(id) }
        }
        for node in nodes {
            if let transition = node.breaker.tick(now: nowMicros) { logBreaker(node, transition) }
        }
    }

    func logBreaker(_ node: AppNode, _ t: CircuitBreaker.Transition) {
        switch t {
        case let .opened(failure, slow):
            let why = failure >= node.breaker.failureRatePercent
                ? "\(Simulation.format((failure * 10).rounded() / 10))% of its last calls failed"
                : "\(Simulation.format((slow * 10).rounded() / 10))% of its last calls were slow"
            log(.warn, "\(node.name) gateway breaker opened: \(why); top-ups fail fast for \(config.breakerOpenDuration)")
        case .halfOpened:
            log(.info, "\(node.name) gateway breaker half-open: \(node.breaker.halfOpenCalls) trial calls")
        case .closed:
            log(.info, "\(node.name) gateway breaker closed: trial calls passed")
        case .reopened:
            log(.warn, "\(node.name) gateway breaker open again: a trial call failed")
        }
    }

    /// Whether a card charge is still owed a credit or a reversal: the
    /// gateway's open charges each have one in progress, or the books break.
    func gatewayBreaks() -> [ReconciliationBreak] {
        var breaks: [ReconciliationBreak] = []
        for id in gateway.openCharges.keys.sorted() {
            if pendingTopups[id] != nil || reversals[id] != nil || authorisations[id] != nil { continue }
            breaks.append(ReconciliationBreak(.gateway, id: id, message: "top-up \(id): the gateway charged \(Money(minorUnits: gateway.openCharges[id]!)) with no wallet credit or reversal in progress"))
        }
        for id in gateway.reversalsOfCredited {
            breaks.append(ReconciliationBreak(.gateway, id: id, message: "top-up \(id): the card charge was reversed after the wallet was credited"))
        }
        return breaks
    }
}

/// The card gateway's and its callers' counters.
public struct GatewayStats: Sendable, Equatable {
    /// Calls that had no answer in time (or whose node died): reversed.
    public var unknownOutcomes: Int64 = 0
    /// Approvals that arrived after their call had given up.
    public var lateApprovals: Int64 = 0
    public var reversalsAcknowledged: Int64 = 0
    public init() {}
}
