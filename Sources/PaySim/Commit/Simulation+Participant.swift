/// The shard side of the commit protocols: delivering messages through the
/// shard's CPU queue, row locks and validation, the write-ahead log, and
/// carrying out what each participant's `ParticipantMachine` decides.
extension Simulation {
    /// Sends a protocol message to a shard (from the coordinator when `from`
    /// is -1, else from participant `from`). The shard's CPU serves it before
    /// the participant sees it; a prepare that finds the CPU queue over its
    /// limit is refused at the door, and one sent to a crashed shard is
    /// refused by its host. Otherwise the message is lost if either end is
    /// down or the network between them is cut when it arrives.
    func sendToShard(_ t: Txn, part p: Int, from: Int, _ m: ShardMessage) {
        commitStats.messages += 1
        let s = t.parts[p].shard
        let shard = shards[s]
        if !shard.up, from < 0, case .prepare = m {
            // A crashed shard's host refuses the connection: the coordinator
            // knows after a round trip (a cut-off one it learns only by timeout).
            let refused: CoordinatorMessage = t.isDistributed ? .voteNo(.shardUnavailable) : .localDone(committed: false, reason: .shardUnavailable)
            schedule(after: 2 * networkHop(), .toCoordinator(t, part: Int32(p), refused))
            return
        }
        let arrival = nowMicros + Int64(networkLatency.sample(&networkRNG))
        var message = m
        var at = arrival
        if shard.up {
            if case .prepare = m, shard.cpu.wait(at: arrival) > config.shardQueueLimit.microseconds {
                shard.refused += 1
                message = .prepareRefused
            } else {
                at = shard.cpu.submit(at: arrival, service: shardCPU(for: m))
            }
        }
        queue.schedule(at: at, .toShard(t, part: Int32(p), from: Int32(from), message))
    }

    /// CPU time a message costs its shard: prepares and decisions vary,
    /// small protocol messages cost a fixed amount.
    func shardCPU(for m: ShardMessage) -> Int64 {
        switch m {
        case .prepare: Int64(shardPrepareCPU.sample(&diskRNG))
        case .commit, .abort: Int64(shardApplyCPU.sample(&diskRNG))
        case .prepareRefused, .precommit, .stateRequest, .stateReply, .precommitAck: config.shardMessageCPUMedian.microseconds
        }
    }

    func shardReceive(_ t: Txn, part p: Int, from: Int, _ m: ShardMessage) {
        let s = t.parts[p].shard
        let sender: NetworkMember = from < 0 ? .node(t.coordinator) : .shard(t.parts[from].shard)
        guard shards[s].up, network.delivers(sender, .shard(s), at: nowMicros, &networkRNG) else {
            commitStats.messagesDropped += 1
            return
        }
        switch m {
        case .prepare: participantStep(t, p, .prepare)
        case .prepareRefused: participantStep(t, p, .busy)
        case .precommit(let peer): participantStep(t, p, .precommit(from: peer < 0 ? nil : Int(peer)))
        case .commit: participantStep(t, p, .commit)
        case .abort: participantStep(t, p, .abort)
        case .stateRequest(let peer): participantStep(t, p, .stateRequest(from: Int(peer)))
        case let .stateReply(peer, state): participantStep(t, p, .stateReply(from: Int(peer), state: state))
        case .precommitAck(let peer): participantStep(t, p, .precommitAck(from: Int(peer)))
        }
    }

    /// Feeds one input to a participant and carries out its effects; late
    /// inputs are dropped first, and counted.
    func participantStep(_ t: Txn, _ p: Int, _ input: ParticipantMachine.Input) {
        guard !t.parts[p].machine.isStale(input) else {
            commitStats.staleInputs += 1
            return
        }
        let token = t.parts[p].machine.token
        let effects = t.parts[p].machine.on(input)
        if t.parts[p].machine.token != token { cancelTimer(&t.parts[p].timer) }
        if t.idempotencyKey == traceKey { traceStep(t, shardName(t.parts[p].shard), input, t.parts[p].state, effects) }
        if let b = t.request?.trace {
            b.mark(shardName(t.parts[p].shard), stepText(input, t.parts[p].state, effects), at: nowMicros)
            if t.everInDoubt { b.trace.inDoubt = true }
        }
        perform(effects, participant: p, of: t)
    }

    func perform(_ effects: Effects<ParticipantMachine.Effect>, participant p: Int, of t: Txn) {
        let s = t.parts[p].shard
        let epoch = shards[s].epoch
        for i in 0..<effects.count {
            // A crash point that fired part-way stops the rest.
            guard shards[s].epoch == epoch else { return }
            switch effects[i] {
            case .acquireLocks: acquireLocks(t, p)
            case .releaseLocks: releaseLocks(t, p)
            case .retakeLocks: retakeLocks(t, p)
            case .force: forceParticipantRecord(t, p)
            case .applyWrites: applyWrites(t, p)
            case .toCoordinator(let m): sendToCoordinator(t, part: p, m)
            case let .toPeers(peers, m):
                switch peers {
                case .all: for q in t.parts.indices where q != p { sendToShard(t, part: q, from: p, m) }
                case .reached: for q in t.parts.indices where t.parts[p].machine.reached(q) { sendToShard(t, part: q, from: p, m) }
                case .reachedUncertain:
                    for q in t.parts.indices where t.parts[p].machine.reached(q) && t.parts[p].machine.peerStates[q] == .prepared {
                        sendToShard(t, part: q, from: p, m)
                    }
                case .one(let q): sendToShard(t, part: q, from: p, m)
                }
            case .arm(let timer):
                let after: SimDuration
                switch timer {
                case .decision: after = config.decisionTimeout
                case .inquiry: after = config.retryInterval
                case .termination: after = config.terminationWindow
                case .immediate: after = .zero
                }
                t.parts[p].timer = scheduleTimer(after: after, .participantTimer(t, part: Int32(p), timer, token: t.parts[p].machine.token))
            case .markInDoubt: markInDoubt(t, p)
            case .final: partFinal(t, p)
            }
        }
    }

    func onParticipantTimer(_ t: Txn, part p: Int, _ timer: ParticipantMachine.Timer, token: UInt32) {
        guard t.parts[p].machine.token == token, shards[t.parts[p].shard].up else { return }
        participantStep(t, p, .timer(timer))
    }

    // MARK: Locks

    /// Takes the participant's row locks in row order; queues behind the
    /// first one held by another transaction.
    func acquireLocks(_ t: Txn, _ p: Int) {
        let shard = shards[t.parts[p].shard]
        let range = t.parts[p].writes
        while t.parts[p].locked < range.count {
            let row = t.writes[range.lowerBound + t.parts[p].locked].row
            if ledger.isContra(row) {
                t.parts[p].locked += 1
            } else if shard.locks.insertIfAbsent(Int64(row), Shard.LockEntry(holder: t.id)) {
                t.parts[p].locked += 1
            } else {
                let token = t.parts[p].machine.token
                // Taken out while it changes, so its queue is not copied.
                var entry = shard.locks.removeValue(forKey: Int64(row))!
                entry.waiters.append(Shard.Waiter(txn: t, part: p, token: token))
                shard.locks[Int64(row)] = entry
                shard.lockWaits += 1
                commitStats.lockWaits += 1
                scheduleTimer(after: config.lockWaitTimeout, .lockTimeout(t, part: Int32(p), token: token))
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
            if ledger.isContra(row) { continue }
            // Every row of the locked prefix is held by this transaction: only its holder releases a lock.
            guard var entry = shard.locks.removeValue(forKey: Int64(row)), entry.holder == t.id else {
                preconditionFailure("txn \(t.id) releasing row \(row) on \(shard.name) held by \(shard.locks[Int64(row)].map { "txn \($0.holder)" } ?? "nobody")")
            }
            var next: Shard.Waiter?
            while let w = entry.waiters.popFirst() {
                if w.txn.parts[w.part].state == .locking && w.txn.parts[w.part].machine.token == w.token {
                    next = w
                    break
                }
            }
            if let w = next {
                entry.holder = w.txn.id
                shard.locks[Int64(row)] = entry
                w.txn.parts[w.part].locked += 1
                granted.append(w)
            }
        }
        t.parts[p].locked = 0
        for w in granted where w.txn.parts[w.part].state == .locking && w.txn.parts[w.part].machine.token == w.token {
            acquireLocks(w.txn, w.part)
        }
    }

    /// Recovery: a participant the log shows as prepared holds its row locks again.
    func retakeLocks(_ t: Txn, _ p: Int) {
        let shard = shards[t.parts[p].shard]
        for i in t.parts[p].writes where !ledger.isContra(t.writes[i].row) {
            shard.locks[Int64(t.writes[i].row)] = Shard.LockEntry(holder: t.id)
        }
        t.parts[p].locked = t.parts[p].writes.count
    }

    func onLockTimeout(_ t: Txn, part p: Int, token: UInt32) {
        guard t.parts[p].machine.token == token else { return }
        participantStep(t, p, .lockTimeout)
    }

    /// Every lock is held: validate under them and tell the machine.
    func locksAcquired(_ t: Txn, _ p: Int) {
        var verdict = ParticipantMachine.Verdict.valid
        // The key first: a retry of a step that committed is a duplicate,
        // even though the funds it moved are no longer there to move again.
        if p == t.keyOwner && idempotency.contains(t.idempotencyKey) {
            idempotency.noteDuplicate()
            verdict = .refused(.duplicate)
        } else {
            for i in t.parts[p].writes {
                let w = t.writes[i]
                if w.delta < 0 && ledger.balances[Int(w.row)] + w.delta < ledger.limit(of: w.row) {
                    verdict = .refused(.insufficientFunds)
                    break
                }
            }
        }
        if verdict == .valid && t.isDistributed && trigger(.participantBeforeVote, on: t) {
            crashShard(t.parts[p].shard, reason: "crash point: \(shardName(t.parts[p].shard)) before its vote on txn \(t.id)")
            return
        }
        participantStep(t, p, .locksGranted(verdict))
    }

    // MARK: The write-ahead log

    func forceParticipantRecord(_ t: Txn, _ p: Int) {
        let s = t.parts[p].shard
        if shards[s].wal.append(.participant(t, part: p, token: t.parts[p].machine.token)) { startFsync(shard: s) }
    }

    /// One fsync: the device's latency plus what the batch's records add.
    func fsyncDelay(records: Int) -> Int64 {
        Int64(fsyncLatency.sample(&diskRNG)) + Int64(records) * config.fsyncPerRecord.microseconds
    }

    func startFsync(shard s: Int) {
        let shard = shards[s]
        let delay = fsyncDelay(records: shard.wal.inFlight.count)
        _ = shard.wal.device.submit(at: nowMicros, service: delay)
        schedule(after: delay, .walForced(shard: Int32(s), epoch: shard.epoch))
    }

    func onWALForced(shard s: Int, epoch: UInt32) {
        let shard = shards[s]
        guard shard.up, shard.epoch == epoch else { return }
        commitStats.fsyncs += 1
        // The batch comes back in a kept array, and the array goes back for the next one.
        var durable: [Shard.ForceWaiter] = []
        swap(&durable, &forcedScratch)
        defer { durable.removeAll(keepingCapacity: true); swap(&durable, &forcedScratch) }
        if shard.wal.completeForce(into: &durable) { startFsync(shard: s) }
        var crashAfterBatch: Int64?
        for case let .participant(t, p, token) in durable {
            guard t.parts[p].machine.token == token else { continue }
            participantStep(t, p, .forced)
            if t.isDistributed && t.parts[p].state == .prepared && crashAfterBatch == nil && trigger(.participantAfterVote, on: t) {
                crashAfterBatch = t.id
            }
        }
        if let id = crashAfterBatch {
            crashShard(s, reason: "crash point: \(shardName(s)) after its vote on txn \(id)")
        }
    }

    // MARK: Applying and settling

    /// The commit record is durable: the writes take effect and the cached
    /// copies of what they changed go stale.
    func applyWrites(_ t: Txn, _ p: Int) {
        let shard = shards[t.parts[p].shard]
        for i in t.parts[p].writes {
            let w = t.writes[i]
            let merchant = ledger.isMerchant(w.row) ? ledger.merchantIndex(w.row) : nil
            let owedBefore = merchant.map { owed(merchant: $0) }
            ledger.balances[Int(w.row)] += w.delta
            if let merchant, let owedBefore { merchantsOwed += owed(merchant: merchant) - owedBefore }
            if let sym = ledger.symbol(of: w.row) {
                // Allocated only by transactions that move shares.
                if t.appliedShares.isEmpty { t.appliedShares = [Int64](repeating: 0, count: ledger.symbols) }
                t.appliedShares[sym] += w.delta
            } else {
                t.appliedMoney += w.delta
            }
            let balance = ledger.balances[Int(w.row)]
            // The auditor is called (and given the ledger) only for a breach.
            if balance < ledger.limit(of: w.row) { audit { $0.checkLimit(txn: t.id, row: w.row, balance: balance, ledger: ledger) } }
            invalidate(row: w.row)
            if let life = t.record { journal(life, t, w) }
        }
        shardCommitLatency[shard.index].record(microseconds: nowMicros - t.startedAt)
        if p == t.keyOwner { idempotency.recordCommitted(t.idempotencyKey, now: nowMicros) }
        shard.commits += 1
    }

    /// A participant reached committed or aborted: the in-doubt count and
    /// the auditor learn of it, and the shard forgets the transaction.
    func partFinal(_ t: Txn, _ p: Int) {
        if t.parts[p].countedInDoubt {
            t.parts[p].countedInDoubt = false
            t.inDoubtNow -= 1
            precondition(t.inDoubtNow >= 0, "negative in-doubt count")
            if t.inDoubtNow == 0 {
                commitStats.inDoubt -= 1
                inDoubtByWorkload[t.workload.rawValue] -= 1
                precondition(commitStats.inDoubt >= 0 && inDoubtByWorkload[t.workload.rawValue] >= 0, "negative in-doubt total")
            }
        }
        let shard = shards[t.parts[p].shard]
        if t.parts[p].state == .aborted { shard.aborts += 1 }
        shard.active[t.id] = nil
        t.finalParts += 1
        precondition(t.finalParts <= t.parts.count, "txn \(t.id) settled a participant twice")
        if t.parts[p].state == .committed { t.committedParts += 1 }
        if t.finalParts == t.parts.count {
            t.settled = true
            unsettled[t.id] = nil
            audit { $0.checkSettled(t, shardName: shardName) }
            if t.everInDoubt { noteResolvedInDoubt(t) }
            if let life = t.record { lifeTxnSettled(t, life) }
            if outcomes != nil {
                if t.committedParts == t.parts.count { outcomes?.applied.insert(t.idempotencyKey) }
                else if t.committedParts > 0 { outcomes?.split.insert(t.idempotencyKey) }
            }
        }
    }

    /// The first few resolutions in a second are logged one by one; the
    /// rest are summed into one line a second, so a partition that leaves
    /// hundreds in doubt cannot push everything else out of the event log.
    func noteResolvedInDoubt(_ t: Txn) {
        let outcome = t.committedParts == t.parts.count ? 0 : t.committedParts == 0 ? 1 : 2
        if resolvedInDoubtLogged < Simulation.resolvedInDoubtLinesPerSecond {
            resolvedInDoubtLogged += 1
            log(.info, "txn \(t.id) resolved after being in doubt: \(["committed", "aborted", "split"][outcome])")
        } else {
            resolvedInDoubtUnlogged[outcome] += 1
        }
    }

    static let resolvedInDoubtLinesPerSecond = 2

    /// Once a simulated second: the summary line for resolutions not logged one by one.
    func summariseResolvedInDoubt() {
        let n = resolvedInDoubtUnlogged.reduce(0, +)
        if n > 0 {
            let u = resolvedInDoubtUnlogged
            log(.info, "\(n) more transaction\(n == 1 ? "" : "s") resolved after being in doubt: \(u[0]) committed, \(u[1]) aborted\(u[2] > 0 ? ", \(u[2]) split" : "")")
        }
        resolvedInDoubtLogged = 0
        resolvedInDoubtUnlogged = [0, 0, 0]
    }

    func markInDoubt(_ t: Txn, _ p: Int) {
        guard !t.parts[p].countedInDoubt else { return }
        t.parts[p].countedInDoubt = true
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

    /// Once a simulated second: a participant whose prepare never arrived
    /// (lost to a crash or a partition) aborts once the idle timeout has
    /// passed. It never voted, so no coordinator can have committed it.
    func abortIdleParticipants() {
        let limit = nowMicros - config.idleParticipantTimeout.microseconds
        for shard in shards where shard.up && !shard.active.isEmpty {
            var idle: [(Int64, Txn, Int)] = []
            for (id, t) in shard.active where t.startedAt <= limit {
                for p in t.parts.indices where t.parts[p].shard == shard.index && t.parts[p].state == .idle { idle.append((id, t, p)) }
            }
            guard !idle.isEmpty else { continue }
            idle.sort { $0.0 < $1.0 }
            for (_, t, p) in idle {
                commitStats.idleAborts += 1
                participantStep(t, p, .idleTimeout)
            }
        }
    }
}
