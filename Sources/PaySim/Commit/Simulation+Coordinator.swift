/// What one attempt of a request told its client.
enum AttemptResult {
    case committed
    /// The key had already committed: the retry changed nothing.
    case duplicate
    case declined
    /// Aborted for a transient reason: safe to retry under the same key.
    case aborted(AbortReason)
    /// The connection to the coordinator was lost: the outcome is unknown,
    /// and a retry under the same key is how the client finds out safely.
    case lost
    /// Not served at all: refused at the edge or by a node's admission control.
    case refused(Refusal)
    /// The node failed it itself: a refused connection, or its coordinator down.
    case nodeFailed

    /// What a participant's or coordinator's abort reason tells the client.
    init(_ reason: AbortReason) {
        switch reason {
        case .insufficientFunds: self = .declined
        case .duplicate: self = .duplicate
        default: self = .aborted(reason)
        }
    }
}

/// Why an attempt was refused without being served. Each one is load the
/// platform shed to protect itself.
public enum Refusal: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// The merchant's rate limit at the edge (429).
    case rateLimited
    /// No node would take work: the balancer answered 503 itself.
    case noNode
    /// The node's worker slots and accept queue were full (503).
    case overloaded
    /// The node's circuit breaker to the card gateway was open.
    case breakerOpen
    /// The node's connections to the card gateway were all busy.
    case bulkheadFull
    /// Queued past its deadline; the client had given up.
    case deadline
    /// A money topic's partition or the local buffer was full: a top-up is
    /// refused before its card is charged rather than risk its credit.
    case backPressure
    /// More requests in flight than the platform's bound.
    case admission

    public var description: String {
        switch self {
        case .rateLimited: "rate limited"
        case .noNode: "no node"
        case .overloaded: "node overloaded"
        case .breakerOpen: "breaker open"
        case .bulkheadFull: "bulkhead full"
        case .deadline: "deadline"
        case .backPressure: "back-pressure"
        case .admission: "admission"
        }
    }
}

/// The coordinator side of the commit protocols: starting transactions and
/// carrying out what each transaction's `CoordinatorMachine` decides.
extension Simulation {
    /// Starts a transaction for `request` on coordinator `c`.
    func beginTxn(_ request: Request, coordinator c: Int) {
        let writes = request.writes
        // One participant per shard the (sorted) writes touch, in shard order.
        var shardCount = 0
        for i in writes.indices where i == 0 || ledger.shard(of: writes[i].row) != ledger.shard(of: writes[i - 1].row) {
            shardCount += 1
        }
        var parts: [Participant] = []
        parts.reserveCapacity(shardCount)
        var start = 0
        while start < writes.count {
            let shard = ledger.shard(of: writes[start].row)
            var end = start + 1
            while end < writes.count && ledger.shard(of: writes[end].row) == shard { end += 1 }
            parts.append(Participant(shard: shard, writes: start..<end,
                                     machine: ParticipantMachine(index: parts.count, peerCount: shardCount, commitProtocol: commitProtocol)))
            start = end
        }
        let coordinator = coordinators[c]
        let t = Txn(id: nextTxnID, workload: request.workload, idempotencyKey: request.key, writes: writes, parts: parts,
                    coordinator: c, coordinatorEpoch: coordinator.epoch, commitProtocol: commitProtocol, startedAt: nowMicros)
        nextTxnID += 1
        t.keyOwner = parts.firstIndex { p in p.writes.contains { !ledger.isContra(writes[$0].row) } } ?? 0
        t.request = request
        if let b = request.trace {
            b.mark("coord \(nodes[c].name)", "txn \(t.id) begins: \(commitProtocol.traceText), \(parts.count) shard\(parts.count == 1 ? "" : "s")", at: nowMicros)
        }
        if request.isJob && request.txnID != 0 { request.earlierAttemptTxns.append(request.txnID) }
        request.txnID = t.id
        if request.life >= 0 { lifeTxnBegun(t, request) }
        coordinator.active[t.id] = t
        unsettled[t.id] = t
        for p in t.parts.indices { shards[t.parts[p].shard].active[t.id] = t }
        coordinatorStep(t, .start)
    }

    /// Feeds one input to a transaction's coordinator and carries out its effects.
    func coordinatorStep(_ t: Txn, _ input: CoordinatorMachine.Input) {
        guard !t.coord.isStale(input) else { return }
        let token = t.coord.token
        let effects = t.coord.on(input)
        if t.coord.token != token { cancelTimer(&t.coordTimer) }
        if t.idempotencyKey == traceKey { traceStep(t, "coordinator on \(traceNode(t.coordinator))", input, t.coord.phase, effects) }
        if let b = t.request?.trace { b.mark("coord \(nodes[t.coordinator].name)", stepText(input, t.coord.phase, effects), at: nowMicros) }
        perform(effects, coordinatorOf: t)
    }

    /// Carries out a coordinator's effects in order; a crash point that fires
    /// part-way stops the rest, as a process dying would.
    func perform(_ effects: Effects<CoordinatorMachine.Effect>, coordinatorOf t: Txn) {
        let c = coordinators[t.coordinator]
        let epoch = c.epoch
        for i in 0..<effects.count {
            guard c.up, c.epoch == epoch else { return }
            switch effects[i] {
            case .toAll(let m):
                for p in t.parts.indices { sendToShard(t, part: p, from: -1, m) }
            case .toUnacked(let m):
                for p in t.parts.indices where !t.coord.hasAcked(p) { sendToShard(t, part: p, from: -1, m) }
            case let .toPart(p, m):
                sendToShard(t, part: p, from: -1, m)
            case .forceLog:
                if c.log.append(t) { startFsync(coordinator: c) }
            case .arm(let timer):
                t.coordTimer = scheduleTimer(after: timer == .votes ? config.voteTimeout : config.retryInterval,
                                             .coordinatorTimeout(t, token: t.coord.token))
            case .tellClient(let r):
                tellClient(t, r)
            case .allVotedYes:
                commitStats.prepared += 1
                if trigger(.coordinatorBeforeDecision, on: t) {
                    crashCoordinator(t.coordinator, reason: "crash point: \(c.name) before its decision on txn \(t.id)")
                }
            case .decisionDurable:
                commitStats.committed += 1
                if trigger(.coordinatorAfterDecision, on: t) {
                    crashCoordinator(t.coordinator, reason: "crash point: \(c.name) after logging its decision on txn \(t.id)")
                }
            case .decidedAbort:
                commitStats.aborted += 1
            case .finishedLocal(let committed):
                if committed { commitStats.localCommits += 1 } else { commitStats.localAborts += 1 }
            case .divergence(let mask):
                noteDivergence(t, abortedParts: mask)
            case .forget:
                c.active[t.id] = nil
            }
        }
    }

    func coordinatorReceive(_ t: Txn, part p: Int, _ m: CoordinatorMessage) {
        let c = coordinators[t.coordinator]
        // The coordinator may have crashed since; a partition drops the message.
        guard c.up, network.delivers(.shard(t.parts[p].shard), .node(t.coordinator), at: nowMicros, &networkRNG) else {
            commitStats.messagesDropped += 1
            return
        }
        switch m {
        case .voteYes: coordinatorStep(t, .voteYes(part: p))
        case .voteNo(let reason): coordinatorStep(t, .voteNo(part: p, reason: reason))
        case let .localDone(committed, reason): coordinatorStep(t, .localDone(committed: committed, reason: reason))
        case .precommitAck: coordinatorStep(t, .precommitAck(part: p))
        case .ack: coordinatorStep(t, .ack(part: p))
        case .hadAborted: coordinatorStep(t, .hadAborted(part: p))
        case .inquiry: coordinatorStep(t, .inquiry(part: p, afterRestart: t.coordinatorEpoch != c.epoch))
        }
    }

    func startFsync(coordinator c: Coordinator) {
        let delay = fsyncDelay(records: c.log.inFlight.count)
        _ = c.log.device.submit(at: nowMicros, service: delay)
        schedule(after: delay, .coordinatorLogForced(coordinator: Int32(c.index), epoch: c.epoch))
    }

    /// The commit records of a batch are durable. Every transaction in it is
    /// committed before any effect runs, so a crash point that fires on one
    /// of them cannot undo the others' durable decisions.
    func onCoordinatorLogForced(_ ci: Int, epoch: UInt32) {
        let c = coordinators[ci]
        guard c.up, c.epoch == epoch else { return }
        commitStats.fsyncs += 1
        var durable: [Txn] = []
        swap(&durable, &loggedScratch)
        defer { durable.removeAll(keepingCapacity: true); swap(&durable, &loggedScratch) }
        if c.log.completeForce(into: &durable) { startFsync(coordinator: c) }
        decidedScratch.removeAll(keepingCapacity: true)
        for t in durable where !t.coord.isStale(.logForced) {
            decidedScratch.append((t, t.coord.on(.logForced)))
            cancelTimer(&t.coordTimer)
        }
        for i in decidedScratch.indices { perform(decidedScratch[i].1, coordinatorOf: decidedScratch[i].0) }
    }

    func onCoordinatorTimeout(_ t: Txn, token: UInt32) {
        guard t.coord.token == token, coordinators[t.coordinator].up else { return }
        coordinatorStep(t, .timeout)
    }

    /// Every participant answered a 3PC commit and some had aborted on
    /// their own. A split between participants was reported as it settled;
    /// when none committed, the client holds a confirmation for nothing.
    func noteDivergence(_ t: Txn, abortedParts: UInt64) {
        precondition(t.settled, "txn \(t.id): divergence reported before every participant settled")
        for p in t.parts.indices where abortedParts & (1 << UInt64(p)) != 0 {
            precondition(t.parts[p].state == .aborted, "txn \(t.id): part \(p) reported an abort in \(t.parts[p].state)")
        }
        audit { $0.checkDecision(t) }
        if t.committedParts == 0 { outcomes?.split.insert(t.idempotencyKey) }
    }

    func tellClient(_ t: Txn, _ r: AttemptResult) {
        if t.idempotencyKey == traceKey && !t.clientDone { tracer?("\(traceTime) txn \(t.id): the client is told \(r)") }
        if let b = t.request?.trace, t.everInDoubt { b.trace.inDoubt = true }
        guard !t.clientDone else { return }
        t.clientDone = true
        if let request = t.request, request.txnID == t.id { attemptFinished(request, r) }
    }
}
