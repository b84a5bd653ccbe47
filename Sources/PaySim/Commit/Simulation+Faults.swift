/// Crashes, restarts and partitions of shards and coordinators, and the
/// recovery each does from its own durable log.
extension Simulation {
    /// A process crash: volatile state (locks, the CPU queue, unforced log
    /// records, votes in progress) is lost; the shard restarts by itself
    /// after the restart delay.
    func crashShard(_ s: Int, reason: String) {
        let shard = shards[s]
        guard shard.up else { return }
        shard.up = false
        shard.epoch &+= 1
        shard.crashes += 1
        shard.wal.crash(at: nowMicros)
        shard.cpu.reset(at: nowMicros)
        shard.locks.removeAll()
        for id in shard.active.keys.sorted() {
            guard let t = shard.active[id], let p = t.parts.firstIndex(where: { $0.shard == s }) else { continue }
            t.parts[p].locked = 0
            participantStep(t, p, .crash)
        }
        shard.restartAt = nowMicros + config.restartDelay.microseconds
        scheduleTimer(after: config.restartDelay, .restartShard(Int32(s), epoch: shard.epoch))
        log(.crit, "\(shard.name) crashed (\(reason)); restarting in \(config.restartDelay)")
    }

    /// Recovery: re-take the locks of every transaction the log shows as
    /// prepared, then resolve them — by asking the coordinator (2PC) or by
    /// the termination protocol (3PC).
    func restartShard(_ s: Int, epoch: UInt32?) {
        let shard = shards[s]
        guard !shard.up, epoch == nil || shard.epoch == epoch else { return }
        shard.up = true
        shard.restartAt = nil
        var recovered = 0
        for id in shard.active.keys.sorted() {
            guard let t = shard.active[id], let p = t.parts.firstIndex(where: { $0.shard == s }) else { continue }
            guard !t.parts[p].machine.isStale(.recover) else { continue }
            recovered += 1
            participantStep(t, p, .recover)
        }
        log(.info, "\(shard.name) recovered from its log: \(recovered) prepared transaction\(recovered == 1 ? "" : "s") to resolve")
    }

    /// The coordinator's process dies: votes in progress and unforced
    /// decisions are lost. Clients lose their connections and retry.
    func crashCoordinator(_ ci: Int, reason: String, restart: Bool = true) {
        let c = coordinators[ci]
        guard c.up else { return }
        c.up = false
        c.epoch &+= 1
        c.crashes += 1
        c.log.crash(at: nowMicros)
        var lost = 0
        for id in c.active.keys.sorted() {
            guard let t = c.active[id] else { continue }
            if !t.coord.isStale(.crash) {
                _ = t.coord.on(.crash)
                cancelTimer(&t.coordTimer)
                if t.phase != .committed {
                    c.active[id] = nil
                    lost += 1
                }
            }
            // Every client waiting on this coordinator sees its connection
            // drop, including one whose transaction already finished on its
            // shard with the answer still on its way.
            tellClient(t, .lost)
        }
        if restart {
            c.restartAt = nowMicros + config.restartDelay.microseconds
            scheduleTimer(after: config.restartDelay, .restartCoordinator(Int32(ci), epoch: c.epoch))
        }
        log(.crit, "coordinator \(c.name) crashed (\(reason)): \(lost) undecided transaction\(lost == 1 ? "" : "s") lost\(restart ? "; restarting in \(config.restartDelay)" : "")")
    }

    /// Recovery: resend every logged commit that is not yet acknowledged.
    /// Transactions without a commit record are presumed aborted.
    func restartCoordinator(_ ci: Int, epoch: UInt32?) {
        let c = coordinators[ci]
        guard !c.up, epoch == nil || c.epoch == epoch else { return }
        c.up = true
        c.restartAt = nil
        var resent = 0
        for id in c.active.keys.sorted() {
            guard let t = c.active[id], !t.coord.isStale(.recover) else { continue }
            coordinatorStep(t, .recover)
            resent += 1
        }
        log(.info, "coordinator \(c.name) recovered: resending \(resent) logged commit\(resent == 1 ? "" : "s")")
    }

    /// Cuts the network for `duration`: one list is cut off from everyone
    /// else; with several, each is a side and what is not listed stays
    /// with the first.
    func partition(_ sides: [[NetworkMember]], for duration: SimDuration) {
        let text = OperatorCommand.partitionText(sides)
        _ = network.cut(sides, from: nowMicros, until: nowMicros + duration.microseconds, text: text)
        log(.warn, sides.count == 1 ? "\(text) cut off from the rest of the platform for \(duration)"
                                    : "platform split \(text) for \(duration)")
    }

    /// Once a simulated second: partitions that ended are healed.
    func healPartitions() {
        for cut in network.heal(now: nowMicros) { log(.info, "partition \(cut.text) healed") }
    }
}
