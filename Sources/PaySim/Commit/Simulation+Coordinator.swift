/// What a transaction attempt told its client.
enum AttemptResult {
    case committed
    /// The key had already committed: the retry changed nothing.
    case duplicate
    case declined
    /// Aborted for a transient reason: safe to retry under the same key.
    case aborted(AbortReason)
    /// The connection to the coordinator was lost: the outcome is unknown.
    case lost
}

/// The coordinator side: starting transactions, collecting votes, logging
/// and sending decisions, timeouts and recovery.
extension Simulation {
    /// Starts a transaction for `request` on coordinator `c`.
    func beginTxn(_ request: Request, coordinator c: Int) {
        let writes = request.writes
        var parts: [Participant] = []
        var start = 0
        while start < writes.count {
            let shard = ledger.shard(of: writes[start].row)
            var end = start + 1
            while end < writes.count && ledger.shard(of: writes[end].row) == shard { end += 1 }
            parts.append(Participant(shard: shard, writes: start..<end))
            start = end
        }
        let coordinator = coordinators[c]
        let t = Txn(id: nextTxnID, workload: request.workload, idempotencyKey: request.id, writes: writes, parts: parts,
                    coordinator: c, coordinatorEpoch: coordinator.epoch, commitProtocol: commitProtocol, startedAt: nowMicros)
        nextTxnID += 1
        t.keyOwner = parts.firstIndex { p in p.writes.contains { !ledger.isContra(writes[$0].row) } } ?? 0
        t.request = request
        request.txnID = t.id
        coordinator.active[t.id] = t
        unsettled[t.id] = t
        for p in t.parts.indices {
            shards[t.parts[p].shard].active[t.id] = t
            sendToShard(t, part: p, .prepare)
        }
        armCoordinatorTimeout(t, after: config.voteTimeout)
    }

    func armCoordinatorTimeout(_ t: Txn, after d: SimDuration) {
        t.timerToken &+= 1
        scheduleTimer(after: d, .coordinatorTimeout(t, token: t.timerToken))
    }

    func coordinatorReceive(_ t: Txn, part p: Int, _ m: CoordinatorMessage) {
        let c = coordinators[t.coordinator]
        // The sender may have crashed since; a partition drops the message.
        guard c.up, nowMicros >= shards[t.parts[p].shard].partitionedUntil else {
            commitStats.messagesDropped += 1
            return
        }
        switch m {
        case .voteYes:
            guard t.phase == .collectingVotes, !t.parts[p].voted else { return }
            t.parts[p].voted = true
            t.votesYes += 1
            guard t.votesYes == t.parts.count else { return }
            commitStats.prepared += 1
            if trigger(.coordinatorBeforeDecision, on: t) {
                crashCoordinator(t.coordinator, reason: "crash point: \(c.name) before its decision on txn \(t.id)")
                return
            }
            switch t.commitProtocol {
            case .twoPhase:
                logCommit(t)
            case .threePhase:
                t.phase = .precommitting
                for q in t.parts.indices { sendToShard(t, part: q, .precommit) }
                armCoordinatorTimeout(t, after: config.voteTimeout)
            }
        case .voteNo(let reason):
            guard t.phase == .collectingVotes else { return }
            decideAbort(t, reason)
        case let .localDone(committed, reason):
            guard t.phase == .collectingVotes else { return }
            coordinators[t.coordinator].active[t.id] = nil
            if committed {
                t.phase = .done
                commitStats.localCommits += 1
                tellClient(t, .committed)
            } else {
                t.phase = .aborted
                commitStats.localAborts += 1
                tellClient(t, result(for: reason ?? .voteTimeout))
            }
        case .precommitAck:
            guard t.phase == .precommitting, !t.parts[p].acked else { return }
            t.parts[p].acked = true
            t.acks += 1
            if t.acks == t.parts.count { logCommit(t) }
        case .ack:
            guard t.phase == .committed, !t.parts[p].acked else { return }
            t.parts[p].acked = true
            t.acks += 1
            if t.acks == t.parts.count {
                t.phase = .done
                c.active[t.id] = nil
            }
        case .inquiry:
            switch t.phase {
            case .committed, .done:
                sendToShard(t, part: p, .commit)
            case .aborted, .lost:
                // Presumed abort: no commit record means abort.
                sendToShard(t, part: p, .abort)
            case .collectingVotes, .precommitting, .loggingCommit:
                // Undecided by an earlier incarnation: nothing was logged.
                if t.coordinatorEpoch != c.epoch {
                    t.phase = .lost
                    sendToShard(t, part: p, .abort)
                }
            }
        }
    }

    func result(for reason: AbortReason) -> AttemptResult {
        switch reason {
        case .insufficientFunds: .declined
        case .duplicate: .duplicate
        default: .aborted(reason)
        }
    }

    /// Forces the commit record; the decision exists once it is durable.
    func logCommit(_ t: Txn) {
        t.phase = .loggingCommit
        t.acks = 0
        for q in t.parts.indices { t.parts[q].acked = false }
        let c = coordinators[t.coordinator]
        if c.log.append(t) {
            schedule(after: fsyncDelay(), .coordinatorLogForced(coordinator: Int32(c.index), epoch: c.epoch))
        }
    }

    func onCoordinatorLogForced(_ ci: Int, epoch: UInt32) {
        let c = coordinators[ci]
        guard c.up, c.epoch == epoch else { return }
        commitStats.fsyncs += 1
        let (durable, again) = c.log.completeForce()
        if again { schedule(after: fsyncDelay(), .coordinatorLogForced(coordinator: Int32(ci), epoch: epoch)) }
        var crashOn: Int64?
        for t in durable where t.phase == .loggingCommit {
            t.phase = .committed
            commitStats.committed += 1
            if crashOn == nil && trigger(.coordinatorAfterDecision, on: t) { crashOn = t.id }
        }
        if let id = crashOn {
            crashCoordinator(ci, reason: "crash point: \(c.name) after logging its decision on txn \(id)")
            return
        }
        for t in durable where t.phase == .committed {
            tellClient(t, .committed)
            sendDecision(t)
        }
    }

    /// Sends commit to every participant that has not acknowledged, and
    /// keeps doing so until they all have: the decision must reach them.
    func sendDecision(_ t: Txn) {
        for q in t.parts.indices where !t.parts[q].acked { sendToShard(t, part: q, .commit) }
        armCoordinatorTimeout(t, after: config.retryInterval)
    }

    func decideAbort(_ t: Txn, _ reason: AbortReason) {
        t.phase = .aborted
        t.abortReason = reason
        commitStats.aborted += 1
        // Presumed abort: nothing is logged and nothing is acknowledged.
        for q in t.parts.indices { sendToShard(t, part: q, .abort) }
        coordinators[t.coordinator].active[t.id] = nil
        tellClient(t, result(for: reason))
    }

    func onCoordinatorTimeout(_ t: Txn, token: UInt32) {
        guard t.timerToken == token, coordinators[t.coordinator].up else { return }
        switch t.phase {
        case .collectingVotes:
            if t.isDistributed {
                decideAbort(t, .voteTimeout)
            } else {
                // The shard did not answer: it may yet commit. The client
                // retries under the same key, which makes that safe.
                t.phase = .lost
                coordinators[t.coordinator].active[t.id] = nil
                tellClient(t, .lost)
            }
        case .precommitting:
            // 3PC: every participant voted yes; one that did not acknowledge
            // the pre-commit is presumed failed, so commit goes ahead.
            logCommit(t)
        case .committed:
            sendDecision(t)
        case .loggingCommit, .aborted, .lost, .done:
            break
        }
    }

    func tellClient(_ t: Txn, _ r: AttemptResult) {
        guard !t.clientDone else { return }
        t.clientDone = true
        if let request = t.request, request.txnID == t.id { attemptFinished(request, r) }
    }
}
