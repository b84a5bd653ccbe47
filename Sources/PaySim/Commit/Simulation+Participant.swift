/// The shard side of the commit protocols: row locks, validation, the
/// write-ahead log, votes, applying decisions, timeouts and the 3PC
/// termination protocol.
extension Simulation {
    func shardReceive(_ t: Txn, part p: Int, _ m: ShardMessage) {
        let shard = shards[t.parts[p].shard]
        guard shard.isReachable(at: nowMicros) else { commitStats.messagesDropped += 1; return }
        switch m {
        case .prepare: participantPrepare(t, p)
        case .precommit: participantPrecommit(t, p)
        case .commit: participantCommit(t, p)
        case .abort: participantAbort(t, p)
        case .stateRequest(let from):
            guard shards[t.parts[Int(from)].shard].isReachable(at: nowMicros) else { commitStats.messagesDropped += 1; return }
            // A participant that has not voted aborts before it answers, so
            // a terminator's "abort" can never meet a later yes vote.
            switch t.parts[p].state {
            case .idle, .locking, .preparing: participantAbort(t, p)
            default: break
            }
            sendToShard(t, part: Int(from), .stateReply(from: Int32(p), state: t.parts[p].state))
        case let .stateReply(from, state):
            guard shards[t.parts[Int(from)].shard].isReachable(at: nowMicros) else { commitStats.messagesDropped += 1; return }
            guard t.parts[p].terminating else { return }
            t.parts[p].peerStates[Int(from)] = state
            if !t.parts[p].peerStates.contains(where: { $0 == nil }) { finishTermination(t, p) }
        }
    }

    // MARK: Prepare

    func participantPrepare(_ t: Txn, _ p: Int) {
        guard t.parts[p].state == .idle else { return }
        t.parts[p].state = .locking
        t.parts[p].token &+= 1
        acquireLocks(t, p)
    }

    /// Takes the participant's row locks in row order; queues behind the
    /// first one held by another transaction.
    func acquireLocks(_ t: Txn, _ p: Int) {
        let shard = shards[t.parts[p].shard]
        let range = t.parts[p].writes
        while t.parts[p].locked < range.count {
            let row = t.writes[range.lowerBound + t.parts[p].locked].row
            if ledger.isContra(row) {
                t.parts[p].locked += 1
            } else if shard.locks[row] == nil {
                shard.locks[row] = Shard.LockEntry(holder: t.id)
                t.parts[p].locked += 1
            } else {
                shard.locks[row]!.waiters.append(Shard.Waiter(txn: t, part: p, token: t.parts[p].token))
                shard.lockWaits += 1
                commitStats.lockWaits += 1
                scheduleTimer(after: config.lockWaitTimeout, .lockTimeout(t, part: Int32(p), token: t.parts[p].token))
                return
            }
        }
        locksAcquired(t, p)
    }

    /// Releases the locks the participant holds and hands each row to the
    /// next live waiter. Grants are processed iteratively so a long queue
    /// behind a hot row cannot deepen the stack.
    func releaseLocks(_ t: Txn, _ p: Int) {
        let shard = shards[t.parts[p].shard]
        let range = t.parts[p].writes
        var granted: [Shard.Waiter] = []
        for i in 0..<t.parts[p].locked {
            let row = t.writes[range.lowerBound + i].row
            guard !ledger.isContra(row), var entry = shard.locks[row], entry.holder == t.id else { continue }
            var next: Shard.Waiter?
            while let w = entry.waiters.popFirst() {
                if w.txn.parts[w.part].state == .locking && w.txn.parts[w.part].token == w.token {
                    next = w
                    break
                }
            }
            if let w = next {
                entry.holder = w.txn.id
                shard.locks[row] = entry
                w.txn.parts[w.part].locked += 1
                granted.append(w)
            } else {
                shard.locks[row] = nil
            }
        }
        t.parts[p].locked = 0
        for w in granted where w.txn.parts[w.part].state == .locking && w.txn.parts[w.part].token == w.token {
            acquireLocks(w.txn, w.part)
        }
    }

    func onLockTimeout(_ t: Txn, part p: Int, token: UInt32) {
        guard t.parts[p].state == .locking, t.parts[p].token == token else { return }
        refuse(t, p, .lockTimeout)
    }

    /// Votes no (or, for a single-shard transaction, reports it did nothing).
    func refuse(_ t: Txn, _ p: Int, _ reason: AbortReason) {
        releaseLocks(t, p)
        t.parts[p].token &+= 1
        t.parts[p].state = .aborted
        partFinal(t, p)
        if t.isDistributed {
            sendToCoordinator(t, part: p, .voteNo(reason))
        } else {
            sendToCoordinator(t, part: p, .localDone(committed: false, reason: reason))
        }
    }

    func locksAcquired(_ t: Txn, _ p: Int) {
        let range = t.parts[p].writes
        for i in range {
            let w = t.writes[i]
            if w.delta < 0 && ledger.balances[Int(w.row)] + w.delta < ledger.limit(of: w.row) {
                refuse(t, p, .insufficientFunds)
                return
            }
        }
        if p == t.keyOwner && idempotency.contains(t.idempotencyKey) {
            idempotency.noteDuplicate()
            refuse(t, p, .duplicate)
            return
        }
        if t.isDistributed && trigger(.participantBeforeVote, on: t) {
            crashShard(t.parts[p].shard, reason: "crash point: \(shardName(t.parts[p].shard)) before its vote on txn \(t.id)")
            return
        }
        t.parts[p].state = t.isDistributed ? .preparing : .committing
        forceParticipantRecord(t, p)
    }

    func forceParticipantRecord(_ t: Txn, _ p: Int) {
        let s = t.parts[p].shard
        if shards[s].wal.append(.participant(t, part: p, token: t.parts[p].token)) {
            schedule(after: fsyncDelay(), .walForced(shard: Int32(s), epoch: shards[s].epoch))
        }
    }

    func onWALForced(shard s: Int, epoch: UInt32) {
        let shard = shards[s]
        guard shard.up, shard.epoch == epoch else { return }
        commitStats.fsyncs += 1
        let (durable, again) = shard.wal.completeForce()
        if again { schedule(after: fsyncDelay(), .walForced(shard: Int32(s), epoch: epoch)) }
        var crashAfterBatch: Int64?
        for case let .participant(t, p, token) in durable {
            guard t.parts[p].token == token else { continue }
            switch t.parts[p].state {
            case .preparing:
                t.parts[p].state = .prepared
                t.parts[p].durable = .prepared
                sendToCoordinator(t, part: p, .voteYes)
                armParticipantTimeout(t, p, after: config.decisionTimeout)
                if t.isDistributed && crashAfterBatch == nil && trigger(.participantAfterVote, on: t) { crashAfterBatch = t.id }
            case .precommitting:
                t.parts[p].state = .precommitted
                t.parts[p].durable = .precommitted
                sendToCoordinator(t, part: p, .precommitAck)
                armParticipantTimeout(t, p, after: config.decisionTimeout)
            case .committing:
                applyCommit(t, p)
            default:
                break
            }
        }
        if let id = crashAfterBatch {
            crashShard(s, reason: "crash point: \(shardName(s)) after its vote on txn \(id)")
        }
    }

    // MARK: Decisions

    func participantPrecommit(_ t: Txn, _ p: Int) {
        guard t.parts[p].state == .prepared else { return }
        t.parts[p].state = .precommitting
        t.parts[p].token &+= 1
        forceParticipantRecord(t, p)
    }

    func participantCommit(_ t: Txn, _ p: Int) {
        switch t.parts[p].state {
        case .prepared, .precommitting, .precommitted:
            t.parts[p].state = .committing
            t.parts[p].token &+= 1
            t.parts[p].terminating = false
            forceParticipantRecord(t, p)
        case .committed:
            sendToCoordinator(t, part: p, .ack)
        default:
            // Idle or locking cannot be told to commit; aborted here while
            // the decision was commit is a divergence the auditor reports.
            break
        }
    }

    func participantAbort(_ t: Txn, _ p: Int) {
        switch t.parts[p].state {
        case .idle:
            t.parts[p].state = .aborted
            t.parts[p].token &+= 1
            partFinal(t, p)
        case .locking, .preparing, .prepared, .precommitting, .precommitted:
            releaseLocks(t, p)
            t.parts[p].state = .aborted
            t.parts[p].durable = .aborted
            t.parts[p].token &+= 1
            t.parts[p].terminating = false
            shards[t.parts[p].shard].aborts += 1
            partFinal(t, p)
        case .committing, .committed, .aborted:
            break
        }
    }

    /// The commit record is durable: the writes take effect, locks go, and
    /// the coordinator hears of it.
    func applyCommit(_ t: Txn, _ p: Int) {
        let shard = shards[t.parts[p].shard]
        if t.appliedShares.isEmpty { t.appliedShares = [Int64](repeating: 0, count: ledger.symbols) }
        for i in t.parts[p].writes {
            let w = t.writes[i]
            ledger.balances[Int(w.row)] += w.delta
            if let sym = ledger.symbol(of: w.row) { t.appliedShares[sym] += w.delta } else { t.appliedMoney += w.delta }
            let balance = ledger.balances[Int(w.row)]
            audit { $0.checkLimit(txn: t.id, row: w.row, balance: balance, ledger: ledger) }
            invalidate(row: w.row)
        }
        shardCommitLatency[shard.index].record(microseconds: nowMicros - t.startedAt)
        if p == t.keyOwner { idempotency.recordCommitted(t.idempotencyKey, now: nowMicros) }
        releaseLocks(t, p)
        t.parts[p].state = .committed
        t.parts[p].durable = .committed
        t.parts[p].token &+= 1
        shard.commits += 1
        partFinal(t, p)
        if t.isDistributed {
            sendToCoordinator(t, part: p, .ack)
        } else {
            sendToCoordinator(t, part: p, .localDone(committed: true, reason: nil))
        }
    }

    /// A participant reached committed or aborted: the in-doubt count and
    /// the auditor learn of it, and the shard forgets the transaction.
    func partFinal(_ t: Txn, _ p: Int) {
        if t.parts[p].inDoubt {
            t.parts[p].inDoubt = false
            t.inDoubtNow -= 1
            if t.inDoubtNow == 0 {
                commitStats.inDoubt -= 1
                inDoubtByWorkload[t.workload.rawValue] -= 1
            }
        }
        shards[t.parts[p].shard].active[t.id] = nil
        t.finalParts += 1
        if t.parts[p].state == .committed { t.committedParts += 1 }
        if t.finalParts == t.parts.count {
            t.settled = true
            unsettled[t.id] = nil
            audit { $0.checkSettled(t, shardName: shardName) }
            if t.everInDoubt {
                log(.info, "txn \(t.id) resolved after being in doubt: \(t.committedParts == t.parts.count ? "committed" : t.committedParts == 0 ? "aborted" : "split")")
            }
        }
    }

    // MARK: Timeouts and in-doubt resolution

    func armParticipantTimeout(_ t: Txn, _ p: Int, after d: SimDuration) {
        scheduleTimer(after: d, .participantTimeout(t, part: Int32(p), token: t.parts[p].token))
    }

    func markInDoubt(_ t: Txn, _ p: Int) {
        guard !t.parts[p].inDoubt else { return }
        t.parts[p].inDoubt = true
        if t.inDoubtNow == 0 {
            commitStats.inDoubt += 1
            inDoubtByWorkload[t.workload.rawValue] += 1
        }
        t.inDoubtNow += 1
        if !t.everInDoubt {
            t.everInDoubt = true
            commitStats.inDoubtTotal += 1
        }
    }

    func onParticipantTimeout(_ t: Txn, part p: Int, token: UInt32) {
        guard t.parts[p].token == token, shards[t.parts[p].shard].up else { return }
        let state = t.parts[p].state
        guard state == .prepared || state == .precommitted else { return }
        markInDoubt(t, p)
        switch t.commitProtocol {
        case .twoPhase:
            // Blocked: only the coordinator knows. Ask, and ask again.
            sendToCoordinator(t, part: p, .inquiry)
            armParticipantTimeout(t, p, after: config.retryInterval)
        case .threePhase:
            startTermination(t, p)
        }
    }

    /// 3PC termination: this participant asks its peers for their states and
    /// decides for those it can reach.
    func startTermination(_ t: Txn, _ p: Int) {
        t.parts[p].token &+= 1
        t.parts[p].terminating = true
        t.parts[p].peerStates = [ParticipantState?](repeating: nil, count: t.parts.count)
        t.parts[p].peerStates[p] = t.parts[p].state
        for q in t.parts.indices where q != p {
            sendToShard(t, part: q, .stateRequest(from: Int32(p)))
        }
        scheduleTimer(after: config.terminationWindow, .terminationDeadline(t, part: Int32(p), token: t.parts[p].token))
    }

    func onTerminationDeadline(_ t: Txn, part p: Int, token: UInt32) {
        guard t.parts[p].token == token, t.parts[p].terminating, shards[t.parts[p].shard].up else { return }
        finishTermination(t, p)
    }

    /// Skeen's rule over the states it heard: any committed or pre-committed
    /// peer means commit; any aborted or unvoted peer, or all uncertain,
    /// means abort. Peers it could not hear decide for themselves later —
    /// which is how 3PC diverges under a partition.
    func finishTermination(_ t: Txn, _ p: Int) {
        t.parts[p].terminating = false
        let heard = t.parts[p].peerStates.compactMap { $0 }
        let commit: Bool
        if heard.contains(where: { $0 == .committed || $0 == .committing }) {
            commit = true
        } else if heard.contains(where: { $0 == .aborted || $0 == .idle || $0 == .locking || $0 == .preparing }) {
            commit = false
        } else {
            commit = heard.contains(where: { $0 == .precommitted || $0 == .precommitting })
        }
        let reached = t.parts.indices.filter { $0 != p && t.parts[p].peerStates[$0] != nil }
        if commit {
            participantCommit(t, p)
            for q in reached { sendToShard(t, part: q, .commit) }
        } else {
            participantAbort(t, p)
            for q in reached { sendToShard(t, part: q, .abort) }
        }
    }
}
