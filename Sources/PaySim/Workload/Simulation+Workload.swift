/// Clients: arrivals, the three request flows, retries under idempotency
/// keys, the card gateway and the outcome each client sees.
extension Simulation {
    /// The arrival rate of one workload now, spikes included.
    public func currentRate(_ w: Workload) -> Double {
        let base = rateOverride[w.rawValue] ?? baseRateTPS * Double(mix[w]) / 100
        var factor = 1.0
        for s in spikes where s.workload == nil || s.workload == w { factor *= s.factor }
        return base * factor
    }

    /// Draws the next Poisson arrival of `w` at the current rate. Because
    /// inter-arrival times are memoryless, a rate change simply redraws.
    func scheduleNextArrival(_ w: Workload) {
        arrivalToken[w.rawValue] &+= 1
        let rate = currentRate(w)
        guard arrivalsOpen, rate > 0 else { return }
        let gap = Exponential(rate: rate).sample(&arrivalRNG)
        schedule(after: max(1, Int64(gap * 1_000_000)), .arrival(w, token: arrivalToken[w.rawValue]))
    }

    func rescheduleArrivals() {
        for w in Workload.allCases { scheduleNextArrival(w) }
    }

    func onArrival(_ w: Workload, token: UInt32) {
        guard token == arrivalToken[w.rawValue], arrivalsOpen else { return }
        scheduleNextArrival(w)
        let request = makeRequest(w)
        stats[w.rawValue].submitted += 1
        inFlightRequests += 1
        if inFlightRequests > config.maxInFlight || (w == .topup && logBufferFull) {
            finish(request, .failed)
            return
        }
        attempt(request)
    }

    func makeRequest(_ w: Workload) -> Request {
        let id = nextRequestID
        nextRequestID += 1
        let customer = customerPopularity.sample(&requestRNG) - 1
        var writes: [RowWrite]
        var amount: Int64 = 0
        var merchantIndex = 0, symbolIndex = 0
        switch w {
        case .payment:
            let merchant = merchantPopularity.sample(&requestRNG) - 1
            merchantIndex = merchant
            amount = min(500_000, max(100, Int64(paymentAmount.sample(&requestRNG).rounded())))
            let fee = amount * 29 / 1_000 + 30
            let merchantRow = ledger.merchant(merchant)
            writes = [
                RowWrite(row: ledger.wallet(customer: customer), delta: -amount),
                RowWrite(row: merchantRow, delta: amount - fee),
                RowWrite(row: ledger.feeIncome(shard: ledger.shard(of: merchantRow)), delta: fee),
            ]
        case .topup:
            let choices: [Int64] = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000]
            amount = choices[requestRNG.nextInt(below: choices.count)]
            let source = ledger.cardNetwork(shard: requestRNG.nextInt(below: ledger.shardCount))
            writes = [
                RowWrite(row: source, delta: -amount),
                RowWrite(row: ledger.wallet(customer: customer), delta: amount),
            ]
        case .trade:
            var symbol = requestRNG.nextInt(below: ledger.symbols)
            let buy = requestRNG.chance(0.55)
            var quantity = Int64(1 + requestRNG.nextInt(below: 10))
            if !buy {
                // A client sells what its portfolio shows it holds.
                for k in 0..<ledger.symbols {
                    let s = (symbol + k) % ledger.symbols
                    let held = ledger.balance(ledger.holding(customer: customer, symbol: s))
                    if held > 0 {
                        symbol = s
                        quantity = min(quantity, held)
                        break
                    }
                }
            }
            // Quotes walk a little with every trade, a tick at a time.
            let step = Int64(requestRNG.nextInt(below: 3)) - 1
            symbolPrices[symbol] = max(100, symbolPrices[symbol] + step)
            symbolIndex = symbol
            let cash = quantity * symbolPrices[symbol]
            let clearingShard = requestRNG.nextInt(below: ledger.shardCount)
            let sign: Int64 = buy ? 1 : -1
            writes = [
                RowWrite(row: ledger.broker(customer: customer), delta: -sign * cash),
                RowWrite(row: ledger.clearingCash(shard: clearingShard), delta: sign * cash),
                RowWrite(row: ledger.holding(customer: customer, symbol: symbol), delta: sign * quantity),
                RowWrite(row: ledger.clearingInventory(symbol: symbol, shard: clearingShard), delta: -sign * quantity),
            ]
            amount = cash
        }
        ledger.sortForCommit(&writes)
        let r = Request(id: id, workload: w, arrivedAt: nowMicros, writes: writes)
        r.amount = amount
        r.customer = customer
        r.merchant = merchantIndex
        r.symbol = symbolIndex
        return r
    }

    /// Picks a coordinator for a consumer's transaction: round robin over those up.
    func pickCoordinator() -> Int? {
        for _ in 0..<coordinators.count {
            let c = nextCoordinator
            nextCoordinator = (nextCoordinator + 1) % coordinators.count
            if coordinators[c].up { return c }
        }
        return nil
    }

    /// One attempt of a client request, through the balancer to a node.
    func attempt(_ r: Request) {
        guard !r.finished else { return }
        r.attempts += 1
        dispatchToNode(r)
    }

    func attemptFinished(_ r: Request, _ result: AttemptResult) {
        if r.delivery != nil {
            creditFinished(r, result)
            return
        }
        guard !r.finished else { return }
        // Only failures of the node's own making count against it: an
        // abort is the ledger's answer, served by a healthy node.
        switch result {
        case .committed, .duplicate, .declined, .aborted: leaveNode(r, ok: true)
        case .lost: leaveNode(r, ok: false)
        }
        switch result {
        case .committed:
            finish(r, .committed)
        case .duplicate:
            stats[r.workload.rawValue].duplicates += 1
            finish(r, .committed)
        case .declined:
            finish(r, .declined)
        case .aborted, .lost:
            if r.workload == .topup {
                // Lost before the gateway answered: the card was not charged.
                finish(r, .failed)
            } else if r.attempts < config.clientMaxAttempts {
                schedule(after: config.clientBackoff.microseconds << (r.attempts - 1), .clientAttempt(r))
            } else {
                if case .lost = result { finish(r, .failed) } else { finish(r, .aborted) }
            }
        }
    }

    func finish(_ r: Request, _ outcome: RequestOutcome) {
        guard !r.finished else { return }
        r.finished = true
        inFlightRequests -= 1
        let latency = nowMicros - r.arrivedAt
        stats[r.workload.rawValue].record(outcome, latencyMicroseconds: latency)
        workloadLatency[r.workload.rawValue].record(microseconds: latency)
        guard outcome == .committed else { return }
        switch r.workload {
        case .payment: produce(topic: 0, key: Int64(r.customer), .paymentSettled(requestID: r.id))
        case .trade: produce(topic: 2, key: Int64(r.customer), .tradeExecuted(requestID: r.id))
        case .topup: break
        }
    }

    // MARK: Top-ups and the card gateway

    /// Sends the authorisation to the external gateway: long-tailed latency,
    /// some declines, and nothing at all while it is down.
    func authorise(_ r: Request) {
        if !gatewayUp {
            schedule(after: config.gatewayTimeout.microseconds, .gatewayReply(r, .unavailable))
            return
        }
        let latency = Int64(gatewayLatency.sample(&gatewayRNG))
        let declined = gatewayRNG.chance(config.gatewayDeclineRate)
        schedule(after: latency, .gatewayReply(r, declined ? .declined : .approved))
    }

    func onGatewayReply(_ r: Request, _ result: GatewayResult) {
        guard !r.finished, r.node != nil else { return }
        switch result {
        case .unavailable:
            // The gateway's fault, not the node's: no outlier strike.
            leaveNode(r, ok: true)
            finish(r, .failed)
        case .declined:
            leaveNode(r, ok: true)
            finish(r, .declined)
        case .approved:
            // The API call is done; the callback goes onto the log and the
            // wallet-credit consumer applies it, exactly once.
            leaveNode(r, ok: true)
            pendingTopups[r.id] = r
            let wallet = r.writes.first { ledger.kind(of: $0.row) == .wallet }!.row
            let source = r.writes.first { ledger.kind(of: $0.row) == .cardNetwork }!.row
            produce(topic: 1, key: Int64(r.customer), .topupCallback(requestID: r.id, amount: r.amount, wallet: wallet, source: source))
        }
    }

    /// One attempt of a wallet credit by the consumer holding its message.
    func attemptCredit(_ job: Request) {
        guard let d = job.delivery, groups[d.group].epoch == d.epoch else { return }
        job.attempts += 1
        guard let c = pickCoordinator() else {
            creditFinished(job, .lost)
            return
        }
        beginTxn(job, coordinator: c)
    }

    /// The credit landed (or had already): the client's top-up is done and
    /// the consumer commits its offset. Otherwise it retries with capped
    /// exponential backoff, holding the message, for as long as it owns it.
    func creditFinished(_ job: Request, _ result: AttemptResult) {
        guard let d = job.delivery else { return }
        switch result {
        case .committed, .duplicate:
            if let r = pendingTopups.removeValue(forKey: job.id) {
                creditedMinorUnits += r.amount
                if case .duplicate = result { stats[r.workload.rawValue].duplicates += 1 }
                finish(r, .committed)
            }
            commitOffset(d.group, partition: d.partition, offset: d.offset, epoch: d.epoch)
        case .declined, .aborted, .lost:
            guard groups[d.group].epoch == d.epoch else { return }
            let shift = min(job.attempts - 1, 6)
            schedule(after: min(config.clientBackoff.microseconds << shift, 5_000_000), .creditAttempt(job))
        }
    }
}
