/// Clients: arrivals, admission at the edge, the three request flows,
/// retries with backoff under a budget and a deadline, and the outcome each
/// client sees.
extension Simulation {
    /// The longest gap to the next arrival: a year. A rate so small that its
    /// next arrival is further away simply has none within any run.
    static let longestArrivalGapMicros: Double = 365 * 86_400 * 1_000_000

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
        guard arrivalsOpen, rate > 0, rate.isFinite else { return }
        let gap = Exponential(rate: rate).sample(&arrivalRNG) * 1_000_000
        guard gap.isFinite, gap < Simulation.longestArrivalGapMicros else { return }
        schedule(after: max(1, Int64(gap)), .arrival(w, token: arrivalToken[w.rawValue]))
    }

    func rescheduleArrivals() {
        for w in Workload.allCases { scheduleNextArrival(w) }
    }

    /// A request arrives at the edge: admission, back-pressure and the
    /// merchant's rate limit first, then its first attempt.
    func onArrival(_ w: Workload, token: UInt32) {
        guard token == arrivalToken[w.rawValue], arrivalsOpen else { return }
        scheduleNextArrival(w)
        let r = makeRequest(w)
        if traces.samples(r.id) {
            let b = TraceBuilder(r, now: nowMicros)
            r.trace = b
            traces.open(b)
            b.mark("client", "arrives", at: nowMicros)
        }
        if let d = resilience.deadline { r.deadline = nowMicros + d.microseconds }
        stats[w.rawValue].submitted += 1
        load[w.rawValue].offered.add()
        retryBudget.noteRequest(now: nowMicros)
        inFlightRequests += 1
        outcomes?.open[r.id] = r
        if inFlightRequests > config.maxInFlight {
            return refuseAtEdge(r, .admission)
        }
        if w == .topup && !reserveCallbackSlot(r) {
            return refuseAtEdge(r, .backPressure)
        }
        if w == .payment, let limit = resilience.merchantRateLimitPerSecond,
           !merchantBuckets[r.merchant].take(now: nowMicros, ratePerSecond: limit, burst: max(limit, config.merchantRateLimitBurst)) {
            return refuseAtEdge(r, .rateLimited)
        }
        attempt(r)
    }

    func makeRequest(_ w: Workload) -> Request {
        let id = nextRequestID
        nextRequestID += 1
        let customer = customerPopularity.sample(&requestRNG) - 1
        var writes: [RowWrite]
        var amount: Int64 = 0
        var merchantIndex = 0, symbolIndex = 0
        var tradeQuantity: Int64 = 0, clearingShard = 0
        switch w {
        case .payment:
            // The client's step is the authorisation: a hold on the wallet.
            // The merchant captures it later (`Simulation+Lifecycle`).
            let merchant = merchantPopularity.sample(&requestRNG) - 1
            merchantIndex = merchant
            amount = min(500_000, max(100, Int64(paymentAmount.sample(&requestRNG).rounded())))
            writes = authoriseWrites(customer: customer, amount: amount)
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
            clearingShard = requestRNG.nextInt(below: ledger.shardCount)
            // The client's step is the order: its cash (buy) or shares
            // (sell) reserved; it settles later, delivery versus payment.
            tradeQuantity = buy ? quantity : -quantity
            writes = orderWrites(customer: customer, symbol: symbol, quantity: tradeQuantity, cash: cash)
            amount = cash
        }
        Ledger.sortForCommit(&writes, shardOf: ledger.shardOfRow)
        let r = Request(id: id, workload: w, arrivedAt: nowMicros, writes: writes)
        r.amount = amount
        r.customer = customer
        r.merchant = merchantIndex
        r.symbol = symbolIndex
        r.quantity = tradeQuantity
        r.clearingShard = clearingShard
        r.life = id
        r.step = w == .trade ? .order : w == .topup ? .credit : .authorise
        return r
    }

    /// Picks a coordinator for a consumer's transaction: round robin over
    /// the nodes that take new work (alive, not draining) whose coordinator is up.
    func pickCoordinator() -> Int? {
        for _ in 0..<coordinators.count {
            let c = nextCoordinator
            nextCoordinator = (nextCoordinator + 1) % coordinators.count
            if coordinators[c].up && nodes[c].alive && !nodes[c].draining { return c }
        }
        return nil
    }

    /// One attempt of a client request, through the balancer to a node.
    func attempt(_ r: Request) {
        guard !r.finished else { return }
        r.attempts += 1
        load[r.workload.rawValue].attempts.add()
        if r.attempts > 1 { load[r.workload.rawValue].retries.add() }
        if let b = r.trace {
            b.trace.attempts = r.attempts
            if r.attempts > 1 { b.mark("client", "retry: attempt \(r.attempts)", at: nowMicros) }
        }
        dispatchToNode(r)
    }

    // MARK: Refusals

    /// The edge refuses the request before it reaches a node; the answer
    /// takes a round trip. It counts as an attempt that was shed.
    func refuseAtEdge(_ r: Request, _ reason: Refusal) {
        r.trace?.mark("edge", "refused: " + reason.traceText, at: nowMicros)
        r.attempts += 1
        load[r.workload.rawValue].attempts.add()
        countShed(r, reason)
        schedule(after: 2 * networkHop(), .attemptAnswered(r, .refused(reason)))
    }

    func countShed(_ r: Request, _ reason: Refusal) {
        load[r.workload.rawValue].shed.add()
        load[r.workload.rawValue].shedByReason[reason.rawValue] += 1
        if reason == .rateLimited { load[r.workload.rawValue].limited.add() }
    }

    /// A node refuses part-way (its breaker or bulkhead to the gateway): the
    /// work done so far is spent, and the request fails at once.
    func shedAfterWork(_ r: Request, _ reason: Refusal) {
        countShed(r, reason)
        attemptFinished(r, .refused(reason))
    }

    // MARK: Outcomes and retries

    func attemptFinished(_ r: Request, _ result: AttemptResult) {
        if r.isJob { return jobFinished(r, result) }
        if r.delivery != nil {
            creditFinished(r, result)
            return
        }
        guard !r.finished else { return }
        // Only failures of the node's own making count against it: an abort
        // is the ledger's answer, served by a healthy node, and a lost
        // answer counts only when the node's coordinator is the one that died.
        switch result {
        case .lost:
            let blame = r.node.map { !coordinators[$0].up && nodes[$0].alive } ?? false
            leaveNode(r, blame: blame)
        default:
            leaveNode(r, blame: false)
        }
        switch result {
        case .committed:
            finish(r, .committed)
        case .duplicate:
            stats[r.workload.rawValue].duplicates += 1
            finish(r, .committed)
        case .declined:
            finish(r, .declined)
        case .aborted, .lost, .nodeFailed, .refused(.noNode), .refused(.overloaded):
            if retry(r) { return }
            if case .aborted = result { finish(r, .aborted) } else { finish(r, .failed) }
        case .refused:
            finish(r, .failed)
        }
    }

    /// Schedules another attempt if the client may make one: never once a
    /// top-up's gateway call began (its card may be charged), never past
    /// the attempt cap or the deadline, and only within the retry budget.
    /// Waits are exponential with full jitter.
    func retry(_ r: Request) -> Bool {
        guard !r.gatewayStarted, r.attempts < resilience.maxAttempts else { return false }
        let delay = backoff.delay(after: r.attempts, &retryRNG)
        guard r.deadline == .max || nowMicros + delay < r.deadline else { return false }
        if let percent = resilience.retryBudgetPercent {
            retryBudget.percent = percent
            guard retryBudget.allowRetry(now: nowMicros) else {
                load[r.workload.rawValue].retriesRefusedByBudget += 1
                return false
            }
        }
        schedule(after: delay, .clientAttempt(r))
        return true
    }

    /// The client has its answer. `at` is when it gave up, for a request
    /// found past its deadline later than that.
    func finish(_ r: Request, _ outcome: RequestOutcome, at: Int64? = nil) {
        guard !r.finished else { return }
        r.finished = true
        inFlightRequests -= 1
        precondition(inFlightRequests >= 0, "negative requests in flight")
        releaseCallbackSlot(r)
        let latency = (at ?? nowMicros) - r.arrivedAt
        let w = r.workload.rawValue
        stats[w].record(outcome, latencyMicroseconds: latency)
        load[w].outcomes[outcome.rawValue].add()
        outcomes?.told[r.id] = outcome
        outcomes?.open[r.id] = nil
        if r.life >= 0 { lifeClientAnswered(r, outcome) }
        if let b = r.trace {
            b.trace.latency = latency
            b.trace.outcome = outcome.traceText
            b.step("client", "answered: " + outcome.traceText, from: r.arrivedAt, to: at ?? nowMicros)
            traces.finish(b, now: nowMicros)
            r.trace = nil
        }
        guard outcome == .committed else { return }
        load[w].goodput.add()
        workloadLatency[w].record(microseconds: latency)
        slo?.recordCommitted(r.workload, microseconds: latency)
        committedLatencyObserver?(r.workload, latency)
        // A payment's settlement message goes out when it is captured.
        if r.workload == .trade { produce(topic: 2, key: Int64(r.customer), .tradeExecuted(requestID: r.id)) }
    }

    // MARK: Wallet credits

    /// One attempt of a wallet credit by the consumer holding its message.
    func attemptCredit(_ job: Request) {
        guard let d = job.delivery, groups[d.group].epoch == d.epoch else { return }
        job.attempts += 1
        guard let c = pickCoordinator() else {
            creditFinished(job, .lost)
            return
        }
        nodes[c].requests.add()
        beginTxn(job, coordinator: c)
    }

    /// The credit landed (or had already): the client's top-up is done, the
    /// gateway's charge is matched, and the consumer commits its offset.
    /// Otherwise it retries with capped exponential backoff, holding the
    /// message, for as long as it owns it.
    func creditFinished(_ job: Request, _ result: AttemptResult) {
        if let b = job.trace {
            b.mark("wallet-credit", "credit: " + result.traceText, at: nowMicros)
            if b.trace.outcome != nil { traces.refresh(b) }
        }
        guard let d = job.delivery else { return }
        switch result {
        case .committed, .duplicate:
            if case .duplicate = result { groups[d.group].duplicatesCaught += 1 }
            if let r = pendingTopups.removeValue(forKey: job.id) {
                creditedMinorUnits += r.amount
                topupCredited(r.id)
                if case .duplicate = result { stats[r.workload.rawValue].duplicates += 1 }
                finish(r, .committed)
            }
            commitOffset(d.group, partition: d.partition, offset: d.offset, epoch: d.epoch)
        default:
            guard groups[d.group].epoch == d.epoch else { return }
            let shift = min(job.attempts - 1, 6)
            schedule(after: min(config.retryBackoffBase.microseconds << shift, 5_000_000), .creditAttempt(job))
        }
    }
}
