import DequeModule

/// Producing to and consuming from the partitioned log, embedded or on a
/// server (`logBackend`, Redis Streams).
extension Simulation {
    static let topicNames = ["payments.settled", "topups.callbacks", "trades.executed"]
    /// The consumer groups, in the order `setUpMessaging` makes them.
    public static let groupNames = ["settlement", "notifications", "wallet-credit", "clearing"]
    /// Each group's consumers at the start of a run.
    public static let defaultConsumers = ["settlement": 4, "notifications": 4, "wallet-credit": 8, "clearing": 2]
    /// Entries a consumer of a server log fetches at once (XREADGROUP COUNT),
    /// then works through one at a time, acknowledging each.
    static let fetchAhead = 16

    func setUpMessaging() {
        topics = Simulation.topicNames.map { Topic(name: $0, partitions: 8, carriesMoney: $0 == "topups.callbacks") }
        groups = [
            ConsumerGroup(name: "settlement", topic: 0, partitions: 8, consumers: 4, processingMedian: .microseconds(600)),
            ConsumerGroup(name: "notifications", topic: 0, partitions: 8, consumers: 4, processingMedian: .milliseconds(1)),
            ConsumerGroup(name: "wallet-credit", topic: 1, partitions: 8, consumers: 8, processingMedian: .microseconds(300)),
            ConsumerGroup(name: "clearing", topic: 2, partitions: 8, consumers: 2, processingMedian: .microseconds(800)),
        ]
        precondition(groups.map(\.name) == Simulation.groupNames && groups.allSatisfy { Simulation.defaultConsumers[$0.name] == $0.consumers })
    }

    /// The server stream of one partition: `topups.callbacks:3`.
    func streamName(_ ti: Int, _ p: Int) -> String { "\(topics[ti].name):\(p)" }

    /// Messages produced while the server log was unreachable and not yet sent.
    var unsentMessages: Int {
        guard logBackend != nil else { return 0 }
        var n: Int64 = 0
        for t in topics { for part in t.partitions { n += part.endOffset - part.sentEnd } }
        return Int(n)
    }

    /// True when the server log is down and the local buffer is full: new
    /// top-ups are refused before the card is charged, so no callback is lost.
    var logBufferFull: Bool {
        guard let b = logBackend, !b.isAvailable else { return false }
        return unsentMessages >= config.logBufferLimit
    }

    /// Holds room in its callback partition for a top-up before any work is
    /// done for it, so its message can never be dropped; false (the top-up
    /// is refused) when the partition or the local buffer is full.
    func reserveCallbackSlot(_ r: Request) -> Bool {
        if logBufferFull { return false }
        let topic = topics[1]
        let p = topic.partition(for: Int64(r.customer))
        let part = topic.partitions[p]
        guard Int(part.endOffset - part.startOffset) + topic.reserved[p] < config.logPartitionCapacityMessages else {
            if !moneyTopicFullLogged {
                moneyTopicFullLogged = true
                log(.warn, "\(streamName(1, p)) holds \(config.logPartitionCapacityMessages) unconsumed callbacks: new top-ups are refused until wallet-credit catches up")
            }
            return false
        }
        if moneyTopicFullLogged {
            moneyTopicFullLogged = false
            log(.info, "topups.callbacks has room again: top-ups admitted")
        }
        topic.reserved[p] += 1
        r.reservedPartition = p
        return true
    }

    func releaseCallbackSlot(_ r: Request) {
        guard let p = r.reservedPartition else { return }
        topics[1].reserved[p] -= 1
        precondition(topics[1].reserved[p] >= 0, "released room that was not held")
        r.reservedPartition = nil
    }

    func produce(topic ti: Int, key: Int64, _ payload: MessagePayload) {
        let topic = topics[ti]
        let p = topic.partition(for: key)
        let part = topic.partitions[p]
        if let b = traces.builder(for: payload.requestID) {
            b.mark("log", "produced to \(topic.name) partition \(p)", at: nowMicros)
            if b.trace.outcome != nil { traces.refresh(b) }
        }
        if let b = logBackend {
            syncLogBackend()
            if !b.isAvailable, unsentMessages >= config.logBufferLimit, !payload.movesMoney {
                // A notification with no ledger effect: dropped and counted, never buffered past the bound.
                topic.dropped += 1
                if !logBufferFullLogged {
                    logBufferFullLogged = true
                    log(.warn, "message log buffer full (\(config.logBufferLimit) messages unsent): notifications are dropped and new top-ups refused until \(b.backendName) is back")
                }
                return
            }
        }
        part.messages.append(LogMessage(offset: part.endOffset, key: key, producedAt: nowMicros, payload: payload))
        part.endOffset += 1
        topic.produced.add()
        if let b = logBackend, b.isAvailable, logGeneration == b.connectionGeneration, part.sentEnd == part.endOffset - 1 {
            b.append(stream: streamName(ti, p), offset: part.endOffset - 1, body: payload.encoded, maxLength: config.logPartitionCapacityMessages)
            part.sentEnd = part.endOffset
        }
        if part.messages.count > config.logPartitionCapacityMessages {
            // Room was held for every money message: dropping one is a bug.
            precondition(!topic.carriesMoney, "\(topic.name) would drop a message that moves money")
            part.messages.removeFirst()
            part.startOffset += 1
            part.sentEnd = max(part.sentEnd, part.startOffset)
            topic.dropped += 1
            for g in groups where g.topic == ti && g.committed[p] < part.startOffset {
                g.committed[p] = part.startOffset
            }
        }
        for gi in groups.indices where groups[gi].topic == ti { kick(gi, partition: p) }
    }

    /// Gives every idle consumer of the group its next message.
    func pump(_ gi: Int) {
        let g = groups[gi]
        guard g.consumers > 0 else { return }
        for c in 0..<g.consumers where !g.busy[c] { pump(gi, consumer: c) }
    }

    /// Wakes the consumer that owns partition `p`, if the group has any.
    func kick(_ gi: Int, partition p: Int) {
        let n = groups[gi].consumers
        if n > 0 { pump(gi, consumer: p % n) }
    }

    /// Gives one consumer its next message, if it is idle and has one: its
    /// partitions are p ≡ c (mod consumers), taken round robin from its cursor.
    func pump(_ gi: Int, consumer c: Int) {
        let g = groups[gi]
        guard c < g.consumers, !g.busy[c] else { return }
        let backend = logBackend
        if let backend, !backend.isAvailable || logGeneration != backend.connectionGeneration { return }
        let parts = topics[g.topic].partitions
        var p = g.cursor[c] * g.consumers + c
        var tried = 0
        let owned = (parts.count - c + g.consumers - 1) / g.consumers
        while tried < owned {
            if p >= parts.count { p = c }
            let available = backend == nil ? g.committed[p] < parts[p].endOffset
                : g.committed[p] < parts[p].sentEnd || g.claim[p] || !g.prefetched[p].isEmpty
            if g.inFlight[p] == nil && available {
                let offset = g.committed[p]
                g.inFlight[p] = offset
                g.busy[c] = true
                g.cursor[c] = (p / g.consumers + 1)
                if let backend {
                    if let next = g.prefetched[p].popFirst() {
                        g.delivering[p] = .entry(next.entry, claimed: next.claimed)
                    } else {
                        g.delivering[p] = .fetch(backend.fetch(stream: streamName(g.topic, p), group: g.name, consumer: "consumer-\(c + 1)",
                                                               claim: g.claim[p], count: Simulation.fetchAhead))
                    }
                }
                let t = Int64(g.processing.sample(&consumerRNG))
                schedule(after: t, .consumerDone(group: Int32(gi), partition: Int32(p), offset: offset, epoch: g.epoch))
                return
            }
            p += g.consumers
            tried += 1
        }
    }

    func onConsumerDone(_ gi: Int, partition p: Int, offset: Int64, epoch: UInt32) {
        let g = groups[gi]
        guard g.epoch == epoch, g.inFlight[p] == offset else { return }
        let part = topics[g.topic].partitions[p]
        let local: MessagePayload? = {
            let index = Int(offset - part.startOffset)
            return index >= 0 && index < part.messages.count ? part.messages[index].payload : nil
        }()
        guard let backend = logBackend else {
            guard let local else { return commitOffset(gi, partition: p, offset: offset, epoch: epoch) }
            return deliver(gi, partition: p, offset: offset, epoch: epoch, local)
        }
        let got: LogEntry, claimed: Bool
        switch g.delivering[p] {
        case nil:
            return release(gi, partition: p)
        case let .entry(entry, fromClaim)?:
            (got, claimed) = (entry, fromClaim)
        case .fetch(let fetch)?:
            switch backend.result(of: fetch) {
            case .unavailable:
                // Taken up again once the server is back (`syncLogBackend`).
                return release(gi, partition: p)
            case .empty:
                release(gi, partition: p)
                if fetch.claim {
                    g.claim[p] = false
                    kick(gi, partition: p)
                }
                return
            case .entries(let entries):
                (got, claimed) = (entries[0], fetch.claim)
                for e in entries.dropFirst() { g.prefetched[p].append((e, fetch.claim)) }
            }
        }
        g.delivering[p] = nil
        if got.offset < offset {
            // Already applied and committed; its acknowledgement was lost with a connection.
            backend.acknowledge(stream: streamName(g.topic, p), group: g.name, offset: got.offset)
            release(gi, partition: p)
            kick(gi, partition: p)
        } else if got.offset > offset && !claimed {
            // The one due is pending under a consumer that went away: claim it first.
            g.claim[p] = true
            g.prefetched[p].removeAll()
            release(gi, partition: p)
            kick(gi, partition: p)
        } else if got.offset > offset {
            // The server no longer has it (it lost data it had not persisted):
            // apply it from the outbox, which keeps every message until all groups commit.
            g.prefetched[p].prepend((got, claimed))
            log(.warn, "\(streamName(g.topic, p)) offset \(offset) is missing on \(backend.backendName); \(g.name) applies it from the local outbox")
            if let local { deliver(gi, partition: p, offset: offset, epoch: epoch, local) } else { commitOffset(gi, partition: p, offset: offset, epoch: epoch) }
        } else if let payload = MessagePayload(encoded: got.body) {
            deliver(gi, partition: p, offset: offset, epoch: epoch, payload)
        } else {
            log(.crit, "\(streamName(g.topic, p)) offset \(offset) on \(backend.backendName) is not a payops message: '\(got.body.prefix(60))'")
            if let local { deliver(gi, partition: p, offset: offset, epoch: epoch, local) } else { commitOffset(gi, partition: p, offset: offset, epoch: epoch) }
        }
    }

    /// Applies one message's effect; its offset is committed once that has landed.
    func deliver(_ gi: Int, partition p: Int, offset: Int64, epoch: UInt32, _ payload: MessagePayload) {
        if let b = traces.builder(for: payload.requestID) {
            b.mark("log", "consumed by \(groups[gi].name)", at: nowMicros)
            if b.trace.outcome != nil { traces.refresh(b) }
        }
        switch payload {
        case let .topupCallback(requestID, amount, wallet, source) where groups[gi].name == "wallet-credit":
            // The effect is a ledger transaction; the offset is committed
            // only once it has landed (or was found already applied).
            var writes = [RowWrite(row: source, delta: -amount), RowWrite(row: wallet, delta: amount)]
            Ledger.sortForCommit(&writes, shardOf: ledger.shardOfRow)
            let job = Request(id: requestID, workload: .topup, arrivedAt: nowMicros, writes: writes)
            job.delivery = Request.Delivery(group: gi, partition: p, offset: offset, epoch: epoch)
            // The wallet credit's commit joins the top-up's trace.
            job.trace = traces.builder(for: requestID)
            job.life = requestID
            job.step = .credit
            job.record = lives[requestID]
            attemptCredit(job)
        default:
            commitOffset(gi, partition: p, offset: offset, epoch: epoch)
        }
    }

    /// The consumer gives the partition up without committing: it is fetched again later.
    func release(_ gi: Int, partition p: Int) {
        let g = groups[gi]
        g.inFlight[p] = nil
        g.delivering[p] = nil
        if g.consumers > 0 { g.busy[p % g.consumers] = false }
    }

    func commitOffset(_ gi: Int, partition p: Int, offset: Int64, epoch: UInt32) {
        let g = groups[gi]
        guard g.epoch == epoch, g.inFlight[p] == offset else { return }
        if offset < g.committed[p] {
            // Retention dropped it while it was being processed (notifications only).
            release(gi, partition: p)
            kick(gi, partition: p)
            return
        }
        // A group commits each offset once, in order, and never past the log's end.
        precondition(offset == g.committed[p] && offset < topics[g.topic].partitions[p].endOffset, "\(g.name) committing offset \(offset) of \(streamName(g.topic, p)) at \(g.committed[p])")
        g.inFlight[p] = nil
        g.committed[p] = offset + 1
        g.busy[p % g.consumers] = false
        g.consumed.add()
        if let b = logBackend, b.isAvailable {
            b.acknowledge(stream: streamName(g.topic, p), group: g.name, offset: offset)
        }
        trim(topic: g.topic, partition: p)
        kick(gi, partition: p)
    }

    /// Drops messages every group of the topic has committed past.
    func trim(topic ti: Int, partition p: Int) {
        let part = topics[ti].partitions[p]
        var low = part.endOffset
        for g in groups where g.topic == ti { low = min(low, g.committed[p]) }
        guard part.startOffset < low else { return }
        while part.startOffset < low, !part.messages.isEmpty {
            part.messages.removeFirst()
            part.startOffset += 1
        }
        if let b = logBackend, b.isAvailable { b.trim(stream: streamName(ti, p), below: min(low, part.sentEnd)) }
    }

    /// Changes a group's consumer count: a rebalance. Messages in progress
    /// are abandoned uncommitted and will be delivered again.
    func setConsumers(_ gi: Int, _ n: Int) {
        let g = groups[gi]
        let abandoned = g.inFlight.compactMap { $0 }.count
        g.redeliveries += Int64(abandoned)
        g.epoch &+= 1
        g.inFlight = [Int64?](repeating: nil, count: g.inFlight.count)
        g.consumers = n
        g.busy = [Bool](repeating: false, count: n)
        g.cursor = [Int](repeating: 0, count: n)
        if logBackend != nil {
            // Fetched entries stay pending under consumers that are gone: claim them.
            g.delivering = [Delivering?](repeating: nil, count: g.delivering.count)
            g.prefetched = [Deque<(entry: LogEntry, claimed: Bool)>](repeating: [], count: g.prefetched.count)
            g.claim = [Bool](repeating: true, count: g.claim.count)
        }
        log(n == 0 ? .warn : .info, "\(g.name) rebalanced to \(n) consumer\(n == 1 ? "" : "s")\(abandoned > 0 ? "; \(abandoned) message\(abandoned == 1 ? "" : "s") will be redelivered" : "")")
        pump(gi)
    }

    /// After every new connection to the server log: makes each stream hold
    /// what the outbox says was produced, re-sending whatever the server is
    /// missing (it may have restarted without its data), makes sure each
    /// group exists at its committed offset, and has consumers claim what
    /// was left pending.
    func syncLogBackend() {
        guard let b = logBackend, b.connectionGeneration != logGeneration, b.isAvailable else { return }
        let generation = b.connectionGeneration
        var resent = 0
        for (ti, topic) in topics.enumerated() {
            for (p, part) in topic.partitions.enumerated() {
                let stream = streamName(ti, p)
                guard let last = b.lastOffset(stream: stream) else { return }
                let next = min(max(last + 1, part.startOffset), part.endOffset)
                for g in groups where g.topic == ti {
                    b.ensureGroup(stream: stream, group: g.name, nextOffset: g.committed[p])
                    g.claim[p] = true
                    g.prefetched[p].removeAll()
                }
                if next < part.endOffset {
                    for o in next..<part.endOffset {
                        b.append(stream: stream, offset: o, body: part.messages[Int(o - part.startOffset)].payload.encoded,
                                 maxLength: config.logPartitionCapacityMessages)
                    }
                    if next < part.sentEnd { resent += Int(part.sentEnd - next) }
                }
                part.sentEnd = part.endOffset
            }
        }
        b.flush()
        guard b.isAvailable, b.connectionGeneration == generation else { return }
        if logGeneration != 0 {
            logBufferFullLogged = false
            log(resent > 0 ? .warn : .info, "message log back on \(b.backendName)\(resent > 0 ? "; re-sent \(resent) message\(resent == 1 ? "" : "s") the server had lost" : "")")
        }
        logGeneration = generation
        for gi in groups.indices { pump(gi) }
    }

    /// Once a simulated second: the server log reconnects, reports, and
    /// consumers that found nothing try again.
    func pollLog() {
        guard let b = logBackend else { return }
        for notice in b.poll(streams: allStreams) { log(notice.severity, notice.message) }
        syncLogBackend()
        for gi in groups.indices { pump(gi) }
    }

    /// Keeps a server backend's keys alive while nothing else runs (a
    /// paused console): cheap, and rate-limited by the backends.
    public func keepBackendsAlive() {
        cache.keepAlive()
        logBackend?.keepAlive(streams: allStreams)
    }

    var allStreams: [String] { topics.indices.flatMap { ti in topics[ti].partitions.indices.map { streamName(ti, $0) } } }

    /// Reads the backends' own figures now (INFO, XLEN, XINFO GROUPS), so a
    /// final report shows where the servers ended rather than their last poll.
    public func refreshBackendFigures() {
        cache.sync()
        cache.refreshFigures()
        logBackend?.flush()
        logBackend?.refreshFigures(streams: allStreams)
    }

    /// Every group with consumers has committed up to its topic's end, and
    /// nothing is waiting to be sent to a server log.
    var logCaughtUp: Bool {
        if unsentMessages > 0 { return false }
        for g in groups where g.consumers > 0 {
            let parts = topics[g.topic].partitions
            for p in parts.indices where g.committed[p] < parts[p].endOffset { return false }
        }
        return true
    }

    /// Log-end offset minus committed offset, per partition.
    /// How long the oldest message the group has not committed has waited, in seconds.
    func lagSeconds(_ g: ConsumerGroup) -> Double {
        var oldest = nowMicros
        for (p, part) in topics[g.topic].partitions.enumerated() where g.committed[p] < part.endOffset {
            let i = Int(g.committed[p] - part.startOffset)
            if i >= 0 && i < part.messages.count { oldest = min(oldest, part.messages[i].producedAt) }
        }
        return Double(nowMicros - oldest) / 1_000_000
    }

    func partitionLags(_ g: ConsumerGroup) -> [Int64] {
        let parts = topics[g.topic].partitions
        return parts.indices.map { parts[$0].endOffset - g.committed[$0] }
    }

    func queueRows() -> [QueueRow] {
        let backend = logBackend
        return groups.map { g in
            let topic = topics[g.topic]
            var lags = partitionLags(g)
            var depth = topic.partitions.reduce(Int64(0)) { $0 + $1.endOffset - $1.startOffset }
            if let backend, backend.isAvailable {
                // The server's own figures: XLEN, and XINFO GROUPS' lag plus pending.
                // While it is down the outbox's figures stand in.
                var serverDepth: Int64 = 0, complete = true
                for p in topic.partitions.indices {
                    let stream = streamName(g.topic, p)
                    if let n = backend.streamLengths[stream] { serverDepth += n } else { complete = false }
                    if let l = backend.groupLags[logGroupKey(stream: stream, group: g.name)] { lags[p] = l.lag + l.pending }
                }
                if complete { depth = serverDepth }
            }
            return QueueRow(topic: topic.name, group: g.name, consumers: g.consumers, depth: depth, lag: lags.reduce(0, +),
                            partitionLag: lags, inRate: topic.produced.rate(), outRate: g.consumed.rate(),
                            redeliveries: g.redeliveries, duplicatesCaught: g.duplicatesCaught, lagHistory: g.lagHistory.values)
        }
    }
}

extension MessagePayload {
    /// True when applying the message moves money (a top-up's wallet credit).
    var movesMoney: Bool {
        if case .topupCallback = self { return true }
        return false
    }
}
