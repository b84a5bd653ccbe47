/// Producing to and consuming from the partitioned log.
extension Simulation {
    static let topicNames = ["payments.settled", "topups.callbacks", "trades.executed"]

    func setUpMessaging() {
        topics = Simulation.topicNames.map { Topic(name: $0, partitions: 8) }
        groups = [
            ConsumerGroup(name: "settlement", topic: 0, partitions: 8, consumers: 4, processingMedian: .microseconds(600)),
            ConsumerGroup(name: "notifications", topic: 0, partitions: 8, consumers: 4, processingMedian: .milliseconds(1)),
            ConsumerGroup(name: "wallet-credit", topic: 1, partitions: 8, consumers: 4, processingMedian: .microseconds(300)),
            ConsumerGroup(name: "clearing", topic: 2, partitions: 8, consumers: 2, processingMedian: .microseconds(800)),
        ]
    }

    func produce(topic ti: Int, key: Int64, _ payload: MessagePayload) {
        let topic = topics[ti]
        let p = topic.partition(for: key)
        let part = topic.partitions[p]
        part.messages.append(LogMessage(offset: part.endOffset, key: key, producedAt: nowMicros, payload: payload))
        part.endOffset += 1
        topic.produced.add()
        if part.messages.count > Topic.retentionPerPartition {
            part.messages.removeFirst()
            part.startOffset += 1
            topic.dropped += 1
            for g in groups where g.topic == ti && g.committed[p] < part.startOffset {
                g.committed[p] = part.startOffset
            }
        }
        for gi in groups.indices where groups[gi].topic == ti { pump(gi) }
    }

    /// Gives every idle consumer of the group its next message.
    func pump(_ gi: Int) {
        let g = groups[gi]
        guard g.consumers > 0 else { return }
        let parts = topics[g.topic].partitions
        for c in 0..<g.consumers where !g.busy[c] {
            var p = g.cursor[c] * g.consumers + c
            var tried = 0
            while tried < parts.count {
                if p >= parts.count { p = c }
                if g.inFlight[p] == nil && g.committed[p] < parts[p].endOffset {
                    let offset = g.committed[p]
                    g.inFlight[p] = offset
                    g.busy[c] = true
                    g.cursor[c] = (p / g.consumers + 1)
                    let t = Int64(g.processing.sample(&consumerRNG))
                    schedule(after: t, .consumerDone(group: Int32(gi), partition: Int32(p), offset: offset, epoch: g.epoch))
                    break
                }
                p += g.consumers
                tried += 1
            }
        }
    }

    func onConsumerDone(_ gi: Int, partition p: Int, offset: Int64, epoch: UInt32) {
        let g = groups[gi]
        guard g.epoch == epoch, g.inFlight[p] == offset else { return }
        let part = topics[g.topic].partitions[p]
        let index = Int(offset - part.startOffset)
        guard index >= 0 && index < part.messages.count else {
            commitOffset(gi, partition: p, offset: offset, epoch: epoch)
            return
        }
        switch part.messages[index].payload {
        case let .topupCallback(requestID, amount, wallet, source) where g.name == "wallet-credit":
            // The effect is a ledger transaction; the offset is committed
            // only once it has landed (or was found already applied).
            var writes = [RowWrite(row: source, delta: -amount), RowWrite(row: wallet, delta: amount)]
            ledger.sortForCommit(&writes)
            let job = Request(id: requestID, workload: .topup, arrivedAt: nowMicros, writes: writes)
            job.delivery = Request.Delivery(group: gi, partition: p, offset: offset, epoch: epoch)
            attemptCredit(job)
        default:
            commitOffset(gi, partition: p, offset: offset, epoch: epoch)
        }
    }

    func commitOffset(_ gi: Int, partition p: Int, offset: Int64, epoch: UInt32) {
        let g = groups[gi]
        guard g.epoch == epoch, g.inFlight[p] == offset else { return }
        g.inFlight[p] = nil
        g.committed[p] = offset + 1
        g.busy[p % g.consumers] = false
        g.consumed.add()
        trim(topic: g.topic, partition: p)
        pump(gi)
    }

    /// Drops messages every group of the topic has committed past.
    func trim(topic ti: Int, partition p: Int) {
        let part = topics[ti].partitions[p]
        var low = part.endOffset
        for g in groups where g.topic == ti { low = min(low, g.committed[p]) }
        while part.startOffset < low, !part.messages.isEmpty {
            part.messages.removeFirst()
            part.startOffset += 1
        }
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
        log(n == 0 ? .warn : .info, "\(g.name) rebalanced to \(n) consumer\(n == 1 ? "" : "s")\(abandoned > 0 ? "; \(abandoned) message\(abandoned == 1 ? "" : "s") will be redelivered" : "")")
        pump(gi)
    }

    /// Log-end offset minus committed offset, per partition.
    func partitionLags(_ g: ConsumerGroup) -> [Int64] {
        let parts = topics[g.topic].partitions
        return parts.indices.map { parts[$0].endOffset - g.committed[$0] }
    }

    func queueRows() -> [QueueRow] {
        groups.map { g in
            let topic = topics[g.topic]
            let lags = partitionLags(g)
            let depth = topic.partitions.reduce(Int64(0)) { $0 + $1.endOffset - $1.startOffset }
            return QueueRow(topic: topic.name, group: g.name, consumers: g.consumers, depth: depth, lag: lags.reduce(0, +),
                            partitionLag: lags, inRate: topic.produced.rate(), outRate: g.consumed.rate(),
                            redeliveries: g.redeliveries, lagHistory: g.lagHistory.values)
        }
    }
}
