/// The life of money after the client's answer: holds captured, expired or
/// voided, refunds and chargebacks, trades settled delivery versus payment
/// or unwound, merchants paid out in batches. Every step is a ledger
/// transaction run as a background job under its own idempotency key,
/// retried until it has a definite answer.
extension Simulation {
    static let payoutIDBase: Int64 = 1 << 52

    // MARK: Writes of each step

    func authoriseWrites(customer c: Int, amount: Int64) -> [RowWrite] {
        let wallet = ledger.wallet(customer: c)
        return [RowWrite(row: wallet, delta: -amount), RowWrite(row: ledger.holds(shard: ledger.shard(of: wallet)), delta: amount)]
    }

    /// The platform's fee on a captured amount.
    static func fee(on amount: Int64) -> Int64 { amount * 29 / 1_000 + 30 }

    func captureWrites(_ life: Life, amount captured: Int64) -> [RowWrite] {
        let wallet = ledger.wallet(customer: life.customer)
        let merchant = ledger.merchant(life.merchant)
        let fee = Simulation.fee(on: captured)
        var w = [RowWrite(row: ledger.holds(shard: ledger.shard(of: wallet)), delta: -life.amount),
                 RowWrite(row: merchant, delta: captured - fee),
                 RowWrite(row: ledger.feeIncome(shard: ledger.shard(of: merchant)), delta: fee)]
        if captured < life.amount { w.append(RowWrite(row: wallet, delta: life.amount - captured)) }
        return w
    }

    /// A hold released: its authorisation undone.
    func releaseWrites(_ life: Life) -> [RowWrite] {
        Simulation.undoing(authoriseWrites(customer: life.customer, amount: life.amount))
    }

    /// The same rows with every delta negated.
    static func undoing(_ writes: [RowWrite]) -> [RowWrite] {
        writes.map { RowWrite(row: $0.row, delta: -$0.delta) }
    }

    func orderWrites(customer c: Int, symbol: Int, quantity q: Int64, cash: Int64) -> [RowWrite] {
        if q > 0 {
            let broker = ledger.broker(customer: c)
            return [RowWrite(row: broker, delta: -cash), RowWrite(row: ledger.settlementCash(shard: ledger.shard(of: broker)), delta: cash)]
        }
        let holding = ledger.holding(customer: c, symbol: symbol)
        return [RowWrite(row: holding, delta: q), RowWrite(row: ledger.settlementSecurities(symbol: symbol, shard: ledger.shard(of: holding)), delta: -q)]
    }

    /// Delivery versus payment: the cash leg and the securities leg in one transaction.
    func settleWrites(_ life: Life) -> [RowWrite] {
        let c = life.clearingShard, q = life.quantity, cash = life.amount
        let broker = ledger.broker(customer: life.customer), holding = ledger.holding(customer: life.customer, symbol: life.symbol)
        if q > 0 {
            return [RowWrite(row: ledger.settlementCash(shard: ledger.shard(of: broker)), delta: -cash),
                    RowWrite(row: ledger.clearingCash(shard: c), delta: cash),
                    RowWrite(row: ledger.clearingInventory(symbol: life.symbol, shard: c), delta: -q),
                    RowWrite(row: holding, delta: q)]
        }
        return [RowWrite(row: ledger.settlementSecurities(symbol: life.symbol, shard: ledger.shard(of: holding)), delta: q),
                RowWrite(row: ledger.clearingInventory(symbol: life.symbol, shard: c), delta: -q),
                RowWrite(row: ledger.clearingCash(shard: c), delta: -cash),
                RowWrite(row: broker, delta: cash)]
    }

    /// A reservation given back: its order undone.
    func unwindWrites(_ life: Life) -> [RowWrite] {
        Simulation.undoing(orderWrites(customer: life.customer, symbol: life.symbol, quantity: life.quantity, cash: life.amount))
    }

    // MARK: Records

    var grace: Int64 { config.reconciliationGrace.microseconds }
    var jobBackoff: Backoff { Backoff(baseMicros: config.retryBackoffBase.microseconds * 2, capMicros: 15_000_000) }
    var captureDelay: LogNormal { LogNormal(median: Double(config.captureDelayMedian.microseconds), sigma: config.captureDelaySigma) }

    /// A client's transaction begins: its record is opened on the first attempt.
    func lifeTxnBegun(_ t: Txn, _ r: Request) {
        let life: Life
        if let existing = r.record {
            life = existing
        } else {
            guard r.step == .authorise || r.step == .order else { return }
            life = Life(id: r.life, kind: r.step == .authorise ? .payment : .trade,
                        dueAt: nowMicros + config.requestDeadline.microseconds + grace, census: census)
            life.customer = r.customer
            life.merchant = r.merchant
            life.symbol = r.symbol
            life.amount = r.amount
            life.quantity = r.quantity
            life.clearingShard = r.clearingShard
            lives[r.life] = life
            r.record = life
        }
        t.life = r.life
        t.step = r.step
        t.record = life
        life.openTxns += 1
    }

    /// A top-up's gateway call begins: from here its card may be reserved or charged.
    func openTopupLife(_ r: Request) {
        guard lives[r.id] == nil else { return }
        let life = Life(id: r.id, kind: .topup, dueAt: nowMicros + config.gatewayCallTimeout.microseconds + grace, census: census)
        life.customer = r.customer
        life.amount = r.amount
        lives[r.id] = life
        r.record = life
    }

    /// The ledger applied one write of a record's transaction: into its journal.
    func journal(_ life: Life, _ t: Txn, _ w: RowWrite) {
        guard !life.closed else {
            return reportBreak(.journal, id: t.life, "txn \(t.id) (\(t.step.name)) posted \(w.delta) to the \(ledger.describe(w.row)) after its record was closed")
        }
        life.postings.append(Posting(row: w.row, step: t.step, delta: w.delta))
        if ledger.isMerchant(w.row) {
            let m = ledger.merchantIndex(w.row)
            switch t.step {
            case .capture: merchantBook[m].captures += w.delta
            case .refund: merchantBook[m].refunds += w.delta
            case .chargeback: merchantBook[m].chargebacks += w.delta
            case .payout: merchantBook[m].payoutsPosted += w.delta
            default: reportBreak(.journal, id: t.life, "txn \(t.id) (\(t.step.name)) posted to merchant \(m + 1)")
            }
        }
    }

    func lifeTxnSettled(_ t: Txn, _ life: Life) {
        guard !life.closed else { return }
        life.openTxns -= 1
        precondition(life.openTxns >= 0, "record \(life.id): more transactions settled than began")
        if (t.step == .authorise || t.step == .order) && t.committedParts == t.parts.count { life.placed = true }
        advance(life)
    }

    /// What the client was told, for records whose client step is synchronous.
    func lifeClientAnswered(_ r: Request, _ outcome: RequestOutcome) {
        guard let life = r.record, !life.closed else { return }
        life.client = outcome
        advance(life)
    }

    /// Moves a record on from what is now known, and closes it when nothing more is to come.
    func advance(_ life: Life) {
        switch (life.kind, life.state) {
        case (.payment, .pending):
            if life.placed {
                guard let client = life.client else { return }
                if client == .committed {
                    life.state = .held
                    paymentStats.authorised += 1
                    let delay = Int64(captureDelay.sample(&lifeRNG))
                    let window = config.captureWindow.microseconds
                    if delay < window {
                        scheduleLife(after: delay, life.id, .capture)
                    } else {
                        scheduleLife(after: window, life.id, .expiry)
                    }
                    life.dueAt = nowMicros + min(delay, window) + grace
                } else {
                    // The hold took effect but its client was told otherwise: void it.
                    life.state = .releasing
                    startJob(life, .release, releaseWrites(life))
                }
            } else if life.openTxns == 0 && life.client != nil {
                close(life)
            }
        case (.trade, .pending):
            if life.placed {
                guard let client = life.client else { return }
                if client == .committed {
                    life.state = .awaiting
                    tradeStats.accepted += 1
                    scheduleLife(after: config.settlementLag.microseconds, life.id, .settle)
                    life.dueAt = nowMicros + config.settlementLag.microseconds
                        + Int64(config.settlementMaxAttempts - 1) * config.settlementRetryInterval.microseconds + grace
                } else {
                    // The reservation took effect but its client was told otherwise: give it back.
                    life.state = .unwinding
                    startJob(life, .unwind, unwindWrites(life))
                }
            } else if life.openTxns == 0 && life.client != nil {
                close(life)
            }
        case (.topup, _):
            guard let client = life.client, life.openTxns == 0, life.job == nil else { return }
            if life.credited || life.reversed || client == .declined { close(life) }
        case (.payment, .captured), (.payment, .released), (.trade, .settled), (.trade, .unwound), (.payout, .paid), (.payout, .failed):
            if life.followUps == 0 && life.openTxns == 0 && life.job == nil { close(life) }
        default:
            break
        }
    }

    func onLifeDue(_ id: Int64, _ timer: LifeTimer) {
        guard let life = lives[id] else { return }
        switch timer {
        case .capture:
            guard life.state == .held else { return }
            var amount = life.amount
            if lifeRNG.chance(config.partialCaptureFraction) {
                amount = max(1, life.amount * Int64(50 + lifeRNG.nextInt(below: 50)) / 100)
                paymentStats.partialCaptures += 1
            }
            life.captureAmount = amount
            life.state = .capturing
            life.dueAt = nowMicros + grace
            startJob(life, .capture, captureWrites(life, amount: amount))
        case .expiry:
            guard life.state == .held else { return }
            life.expired = true
            life.state = .releasing
            life.dueAt = nowMicros + grace
            startJob(life, .release, releaseWrites(life))
        case .refund:
            let open = life.captured - life.refunded - life.chargedBack
            guard life.state == .captured, open > 0 else {
                life.followUps -= 1
                return advance(life)
            }
            let amount = lifeRNG.chance(0.5) ? open : max(1, open * Int64(10 + lifeRNG.nextInt(below: 80)) / 100)
            startJob(life, .refund, [RowWrite(row: ledger.merchant(life.merchant), delta: -amount),
                                     RowWrite(row: ledger.wallet(customer: life.customer), delta: amount)])
        case .chargeback:
            let amount = life.captured - life.refunded - life.chargedBack
            guard life.state == .captured, amount > 0 else {
                life.followUps -= 1
                return advance(life)
            }
            let merchant = ledger.merchant(life.merchant)
            let fee = config.disputeFeeMinorUnits
            startJob(life, .chargeback, [RowWrite(row: merchant, delta: -(amount + fee)),
                                         RowWrite(row: ledger.wallet(customer: life.customer), delta: amount),
                                         RowWrite(row: ledger.feeIncome(shard: ledger.shard(of: merchant)), delta: fee)])
        case .settle:
            guard life.state == .awaiting else { return }
            if lifeRNG.chance(settlementFailFraction) {
                // The counterparty cannot deliver: nothing moves; try again later, then give up.
                life.failedSettlements += 1
                tradeStats.failedAttempts += 1
                if life.failedSettlements < config.settlementMaxAttempts {
                    scheduleLife(after: config.settlementRetryInterval.microseconds, life.id, .settle)
                } else {
                    life.settlementFailed = true
                    life.state = .unwinding
                    startJob(life, .unwind, unwindWrites(life))
                }
                return
            }
            life.state = .settling
            startJob(life, .settle, settleWrites(life))
        }
    }

    /// A step's job has its definite answer: committed (or found already
    /// committed under its key), or declined.
    func stepDone(_ life: Life, _ step: Step, committed: Bool, amount: Int64) {
        switch step {
        case .capture:
            if committed {
                life.captured = amount
                paymentStats.captured += 1
                paymentStats.capturedMinorUnits += amount
                produce(topic: 0, key: Int64(life.customer), .paymentSettled(requestID: life.id))
                if lifeRNG.chance(config.refundFraction) {
                    followUp(life, .refund, median: config.refundDelayMedian)
                } else if lifeRNG.chance(config.chargebackFraction) {
                    followUp(life, .chargeback, median: config.chargebackDelayMedian)
                }
                life.state = .captured
            } else {
                // Nothing moved (the hold is gone, which reconciliation reports): release what is left.
                life.state = .released
            }
        case .release:
            life.state = .released
            if life.expired { paymentStats.expired += 1 } else { paymentStats.voided += 1 }
        case .refund:
            life.followUps -= 1
            if committed {
                life.refunded += amount
                refundsPerSecond.add()
                paymentStats.refunded += 1
                paymentStats.refundedMinorUnits += amount
            } else {
                paymentStats.refundsDeclined += 1
            }
        case .chargeback:
            life.followUps -= 1
            if committed {
                life.chargedBack += amount
                chargebacksPerSecond.add()
                paymentStats.chargebacks += 1
                paymentStats.chargebackMinorUnits += amount
            } else {
                paymentStats.chargebacksDeclined += 1
            }
        case .settle:
            if committed {
                life.state = .settled
                tradeStats.settled += 1
            } else {
                life.state = .awaiting
                scheduleLife(after: config.settlementRetryInterval.microseconds, life.id, .settle)
            }
        case .unwind:
            life.state = .unwound
            if life.settlementFailed { tradeStats.settlementFailed += 1 } else { tradeStats.unwoundUnknown += 1 }
        case .payout:
            if committed {
                life.state = .paid
                payoutStats.transactions += 1
                payoutStats.paidMinorUnits += life.amount
                for p in life.payees { merchantBook[p.merchant].paidBelieved += p.amount }
            } else {
                life.state = .failed
                payoutStats.failed += 1
            }
        case .authorise, .order, .credit:
            preconditionFailure("\(step.name) is a client's step, not a job")
        }
        advance(life)
    }

    func followUp(_ life: Life, _ timer: LifeTimer, median: SimDuration) {
        let delay = Int64(LogNormal(median: Double(median.microseconds), sigma: 0.5).sample(&lifeRNG))
        life.followUps += 1
        life.dueAt = max(life.dueAt, nowMicros + delay + grace)
        scheduleLife(after: delay, life.id, timer)
    }

    /// Records' timers are seconds to minutes away and there are tens of
    /// thousands of them: they wait in a bucket per second and join the
    /// event queue, at their exact times and in the order they were set,
    /// at the tick that starts their second, so the main queue stays as
    /// small as the work in flight.
    func scheduleLife(after delay: Int64, _ id: Int64, _ timer: LifeTimer) {
        let at = nowMicros + max(0, delay)
        if at < nextTickMicros {
            queue.schedule(at: at, .lifeDue(id: id, timer))
        } else {
            lifeTimerSequence += 1
            lifeTimers[at / 1_000_000, default: []].append(LifeTimerEntry(at: at, sequence: lifeTimerSequence, id: id, timer: timer))
        }
    }

    /// At the tick that starts second `s`: that second's timers join the
    /// event queue, sorted, on a lane of their own (each second's come
    /// after the last's), so thousands a second skip the heap.
    func releaseLifeTimers() {
        guard var due = lifeTimers.removeValue(forKey: (nextTickMicros - 1) / 1_000_000) else { return }
        due.sort()
        for e in due { queue.schedule(at: e.at, orderedLane: Simulation.lifeTimerLane, .lifeDue(id: e.id, e.timer)) }
    }
    static let lifeTimerLane: Int64 = -1

    // MARK: Jobs

    func startJob(_ life: Life, _ step: Step, _ writes: [RowWrite]) {
        var w = writes
        Ledger.sortForCommit(&w, shardOf: ledger.shardOfRow)
        let workload: Workload = life.kind == .trade ? .trade : life.kind == .topup ? .topup : .payment
        let job = Request(id: life.id, workload: workload, arrivedAt: nowMicros, writes: w)
        job.life = life.id
        job.step = step
        job.key = step.key(life.id)
        job.isJob = true
        job.record = life
        job.customer = life.customer
        switch step {
        case .capture: job.amount = life.captureAmount
        case .refund, .chargeback: job.amount = w.first { ledger.kind(of: $0.row) == .wallet }?.delta ?? 0
        default: job.amount = life.amount
        }
        life.job = job
        jobsRunning += 1
        runJob(job)
    }

    /// One attempt of a job, on a coordinator picked as consumers pick theirs.
    func runJob(_ job: Request) {
        guard let life = job.record, life.job === job else { return }
        job.attempts += 1
        if job.attempts > 1 && life.kind == .payout { payoutStats.retries += 1 }
        guard let c = pickCoordinator() else {
            schedule(after: 1_000_000, .jobAttempt(job))
            return
        }
        nodes[c].requests.add()
        beginTxn(job, coordinator: c)
    }

    func jobFinished(_ job: Request, _ result: AttemptResult) {
        guard let life = job.record, life.job === job else { return }
        var committed: Bool
        switch result {
        case .committed, .duplicate:
            committed = true
        case .declined where !job.earlierAttemptTxns.isEmpty:
            // An earlier attempt whose answer was lost may have committed,
            // and this one declined for the funds it moved (a participant
            // other than the key owner checks funds, not the key). Trust the
            // decline only once every earlier attempt has settled, and ask
            // the ledger's key store whether the step was applied.
            if job.earlierAttemptTxns.contains(where: { unsettled[$0] != nil }) {
                schedule(after: config.retryBackoffBase.microseconds, .jobAttempt(job))
                return
            }
            committed = idempotency.contains(job.key)
        case .declined:
            committed = false
        default:
            // Aborted, or the answer was lost: the same writes again under
            // the same key, after an exponential wait with full jitter, so
            // thousands of jobs a fault held up do not retry in step and
            // keep the shards too busy to let any of them through.
            schedule(after: jobBackoff.delay(after: job.attempts, &lifeRNG), .jobAttempt(job))
            return
        }
        life.job = nil
        jobsRunning -= 1
        precondition(jobsRunning >= 0, "more jobs finished than started")
        stepDone(life, job.step, committed: committed, amount: job.amount)
    }

    // MARK: Top-ups

    /// The wallet credit of a top-up landed: the gateway must hold a
    /// captured charge for it, which is now matched.
    func topupCredited(_ id: Int64) {
        if gateway.match(requestID: id, now: nowMicros) == nil {
            reportBreak(.gateway, id: id, "top-up \(id): the wallet was credited but the gateway has no captured charge for it")
        }
        guard let life = lives[id] else { return }
        life.credited = true
        advance(life)
    }

    func topupReversed(_ id: Int64) {
        guard let life = lives[id] else { return }
        life.reversed = true
        advance(life)
    }

    // MARK: Payouts

    /// Pays every merchant what it is owed above its reserve, in chunks,
    /// each one multi-shard payout transaction retried under its own key.
    func onPayoutBatch() {
        schedule(after: config.payoutInterval.microseconds, .payoutBatch)
        guard !payoutsPaused else {
            log(.info, "payout batch skipped: payouts are paused")
            return
        }
        let batch = nextPayoutBatch
        nextPayoutBatch += 1
        var payees: [(merchant: Int, amount: Int64)] = []
        for m in 0..<ledger.merchants {
            let amount = owed(merchant: m)
            if amount > 0 { payees.append((m, amount)) }
        }
        payoutStats.batches += 1
        guard !payees.isEmpty else { return log(.info, "payout batch \(batch): nothing owed") }
        var total: Int64 = 0
        let chunk = max(1, config.payoutChunkMerchants)
        var index: Int64 = 0
        for start in stride(from: 0, to: payees.count, by: chunk) {
            let part = Array(payees[start..<min(start + chunk, payees.count)])
            let id = Simulation.payoutIDBase | batch << 12 | index
            index += 1
            let sum = part.reduce(Int64(0)) { $0 + $1.amount }
            total += sum
            let life = Life(id: id, kind: .payout, dueAt: nowMicros + grace, census: census)
            life.amount = sum
            life.payees = part
            life.state = .paying
            lives[id] = life
            var writes = part.map { RowWrite(row: ledger.merchant($0.merchant), delta: -$0.amount) }
            writes.append(RowWrite(row: ledger.payouts(shard: ledger.shard(of: writes[0].row)), delta: sum))
            for p in part { setPayoutInFlight(p.merchant, true) }
            startJob(life, .payout, writes)
        }
        log(.info, "payout batch \(batch): \(Money(minorUnits: total)) to \(payees.count) merchant\(payees.count == 1 ? "" : "s") in \(index) transaction\(index == 1 ? "" : "s")")
    }

    /// What merchant `m` is owed at the next payout: its balance above its
    /// reserve, or nothing while a payout to it is in flight.
    @inline(__always) func owed(merchant m: Int) -> Int64 {
        merchantBook[m].payoutInFlight ? 0 : max(0, ledger.balances[ledger.merchantBase + m] - merchantReserve[m])
    }

    func setPayoutInFlight(_ m: Int, _ inFlight: Bool) {
        let before = owed(merchant: m)
        merchantBook[m].payoutInFlight = inFlight
        merchantsOwed += owed(merchant: m) - before
    }

    // MARK: Closing and reconciling

    func close(_ life: Life) {
        reconcile(life)
        reconciliation.checked += 1
        if life.kind == .payout { for p in life.payees { setPayoutInFlight(p.merchant, false) } }
        census.move(life.kind, from: life.state, to: nil)
        census.moveDue(from: life.dueAt, to: nil)
        life.closed = true
        life.postings = []
        lives[life.id] = nil
    }

    func reportBreak(_ kind: ReconciliationBreak.Kind, id: Int64?, _ message: String) {
        reconciliation.report(ReconciliationBreak(kind, id: id, message: message))
        log(.crit, "reconciliation: \(message)")
    }

    /// Compares what the platform believes happened to a record with the
    /// journal of what the ledger applied, and with what its client was told.
    func reconcile(_ life: Life) {
        let id = life.id
        func money(_ v: Int64) -> String { Money(minorUnits: v).description }
        func told() -> String { life.client.map { "\($0)" } ?? "nothing" }
        // One pass over the journal, summed by what each posting is.
        var held: Int64 = 0, holdsNet: Int64 = 0, captured: Int64 = 0, refunded: Int64 = 0, chargedBack: Int64 = 0
        var walletNet: Int64 = 0, credited: Int64 = 0, escrow: Int64 = 0, reserved: Int64 = 0
        var cashLeg: Int64 = 0, securitiesLeg: Int64 = 0, merchantsPaid: Int64 = 0, paidOut: Int64 = 0
        for p in life.postings {
            switch ledger.kind(of: p.row) {
            case .holds:
                holdsNet += p.delta
                if p.step == .authorise { held += p.delta }
            case .merchant:
                if p.step == .capture { captured += p.delta } else if p.step == .payout { merchantsPaid -= p.delta }
            case .feeIncome:
                if p.step == .capture { captured += p.delta }
            case .wallet:
                walletNet += p.delta
                switch p.step {
                case .refund: refunded += p.delta
                case .chargeback: chargedBack += p.delta
                case .credit: credited += p.delta
                default: break
                }
            case .settlementCash, .settlementSecurities:
                escrow += p.delta
                if p.step == .order { reserved += p.delta }
            case .clearingCash:
                if p.step == .settle { cashLeg += p.delta }
            case .clearingInventory:
                if p.step == .settle { securitiesLeg += p.delta }
            case .payouts:
                paidOut += p.delta
            default:
                break
            }
        }
        switch life.kind {
        case .payment:
            if holdsNet != 0 { reportBreak(.journal, id: id, "payment \(id): \(money(holdsNet)) of its hold of \(money(held)) is left in escrow") }
            if captured != life.captured {
                reportBreak(.journal, id: id, "payment \(id): the platform recorded a capture of \(money(life.captured)) but the ledger posted \(money(captured))")
            }
            if captured > held { reportBreak(.journal, id: id, "payment \(id): captured \(money(captured)), more than its hold of \(money(held))") }
            if refunded + chargedBack > captured {
                reportBreak(.journal, id: id, "payment \(id): refunded and charged back \(money(refunded + chargedBack)), more than the \(money(captured)) captured")
            }
            if refunded != life.refunded || chargedBack != life.chargedBack {
                reportBreak(.journal, id: id, "payment \(id): the platform recorded refunds of \(money(life.refunded)) and chargebacks of \(money(life.chargedBack)); the ledger posted \(money(refunded)) and \(money(chargedBack))")
            }
            if life.client == .committed && held == 0 {
                reportBreak(.client, id: id, "payment \(id): the client was told it was authorised, but no hold was posted")
            }
            if life.client != .committed && (walletNet != 0 || captured != 0) {
                reportBreak(.client, id: id, "payment \(id): the client was told \(told()), but it moved \(money(-walletNet)) out of the wallet")
            }
        case .trade:
            if escrow != 0 { reportBreak(.journal, id: id, "trade \(id): \(escrow) is left reserved in settlement escrow") }
            if (cashLeg == 0) != (securitiesLeg == 0) {
                reportBreak(.journal, id: id, "trade \(id): delivery versus payment broken: cash leg \(money(cashLeg)), securities leg \(securitiesLeg) shares")
            }
            if (cashLeg != 0) != (life.state == .settled) {
                reportBreak(.journal, id: id, "trade \(id): the platform recorded it \(life.state == .settled ? "settled" : "not settled"), the ledger \(cashLeg != 0 ? "settled it" : "did not")")
            }
            if life.client == .committed && reserved == 0 {
                reportBreak(.client, id: id, "trade \(id): the client was told the order was accepted, but nothing was reserved")
            }
            if life.client != .committed && (cashLeg != 0 || securitiesLeg != 0) {
                reportBreak(.client, id: id, "trade \(id): the client was told \(told()), but it settled")
            }
        case .topup:
            if credited != (life.credited ? life.amount : 0) {
                reportBreak(.journal, id: id, "top-up \(id): the platform recorded \(life.credited ? "a credit of \(money(life.amount))" : "no credit"); the ledger credited \(money(credited))")
            }
            if (life.client == .committed) != (credited != 0) {
                reportBreak(.client, id: id, "top-up \(id): the client was told \(told()), and the wallet was credited \(money(credited))")
            }
            if let open = gateway.openCharge(id) {
                reportBreak(.gateway, id: id, "top-up \(id): closed with \(money(open)) still charged at the gateway, neither credited nor reversed")
            }
        case .payout:
            let expected = life.state == .paid ? life.amount : 0
            if merchantsPaid != expected || paidOut != expected {
                reportBreak(.journal, id: id, "payout \(id): the platform recorded \(money(expected)) paid; the ledger took \(money(merchantsPaid)) from merchants and paid out \(money(paidOut))")
            }
        }
    }

    /// Once a simulated second: how many records are overdue, and so how
    /// long since every record due had matched.
    func reconciliationTick() {
        let overdue = census.overdue(at: nowMicros)
        reconciliation.overdue = overdue
        if overdue == 0 { reconciliation.lastClean = nowMicros }
    }

    /// The whole books at once: every merchant's balance against the
    /// journal that moved it and the payouts recorded, and every escrow row
    /// against the open records that hold money or shares in it. Returns
    /// the breaks without recording them, so it can be asked any time.
    public func fullReconciliation() -> [ReconciliationBreak] {
        var breaks: [ReconciliationBreak] = []
        func money(_ v: Int64) -> String { Money(minorUnits: v).description }
        for m in 0..<ledger.merchants {
            let book = merchantBook[m]
            let moved = ledger.balance(ledger.merchant(m)) - merchantReserve[m]
            if moved != book.posted {
                breaks.append(ReconciliationBreak(.settlement, id: nil, message: "merchant \(m + 1): balance moved \(money(moved)) but captures, refunds, chargebacks and payouts account for \(money(book.posted))"))
            }
            if !book.payoutInFlight && -book.payoutsPosted != book.paidBelieved {
                breaks.append(ReconciliationBreak(.settlement, id: nil, message: "merchant \(m + 1): paid out \(money(-book.payoutsPosted)) in the ledger, \(money(book.paidBelieved)) in the payout records"))
            }
        }
        var holds: Int64 = 0, cash: Int64 = 0
        var securities = [Int64](repeating: 0, count: ledger.symbols)
        for s in 0..<ledger.shardCount {
            holds += ledger.balance(ledger.holds(shard: s))
            cash += ledger.balance(ledger.settlementCash(shard: s))
            for sym in 0..<ledger.symbols { securities[sym] += ledger.balance(ledger.settlementSecurities(symbol: sym, shard: s)) }
        }
        var openHolds: Int64 = 0, openCash: Int64 = 0
        var openSecurities = [Int64](repeating: 0, count: ledger.symbols)
        for life in lives.values {
            for p in life.postings {
                switch ledger.kind(of: p.row) {
                case .holds: openHolds += p.delta
                case .settlementCash: openCash += p.delta
                case .settlementSecurities(let sym): openSecurities[sym] += p.delta
                default: break
                }
            }
        }
        if holds != openHolds {
            breaks.append(ReconciliationBreak(.journal, id: nil, message: "holds escrow is \(money(holds)); open payments account for \(money(openHolds))"))
        }
        if cash != openCash {
            breaks.append(ReconciliationBreak(.journal, id: nil, message: "settlement cash escrow is \(money(cash)); open trades account for \(money(openCash))"))
        }
        for sym in 0..<ledger.symbols where securities[sym] != openSecurities[sym] {
            breaks.append(ReconciliationBreak(.journal, id: nil, message: "symbol \(sym + 1): \(securities[sym]) shares in settlement escrow; open trades account for \(openSecurities[sym])"))
        }
        return breaks
    }

    /// A customer's wallet as the ledger holds it: what is available plus
    /// what open payments hold (available + held).
    public func ledgerBalance(customer c: Int) -> Int64 {
        var held: Int64 = 0
        for life in lives.values where life.kind == .payment && life.customer == c {
            for p in life.postings where ledger.kind(of: p.row) == .holds { held += p.delta }
        }
        return availableBalance(customer: c) + held
    }

    /// What a customer may spend now: the wallet row, holds already taken out.
    public func availableBalance(customer c: Int) -> Int64 { ledger.balance(ledger.wallet(customer: c)) }

    func moneyStatus() -> MetricsSnapshot.MoneyStatus {
        // One borrow of the ledger and the books for the loops, not one per merchant.
        let ledger = self.ledger
        var holds: Int64 = 0
        for s in 0..<ledger.shardCount { holds += ledger.balance(ledger.holds(shard: s)) }
        let interval = config.payoutInterval.microseconds
        return MetricsSnapshot.MoneyStatus(
            holdsOpen: census.count(.payment, .held, .capturing, .releasing), holdsMinorUnits: holds,
            capturesPending: census.count(.payment, .capturing), releasesPending: census.count(.payment, .releasing),
            topupsOpen: census.count(.topup), reversalsPending: reversals.count,
            refundsPerMinute: refundsPerSecond.rate(last: 60) * 60, chargebacksPerMinute: chargebacksPerSecond.rate(last: 60) * 60,
            tradesAwaiting: census.count(.trade, .awaiting), tradesSettling: census.count(.trade, .settling, .unwinding),
            settlementFailPercent: settlementFailFraction * 100, payoutsPaused: payoutsPaused,
            nextPayoutIn: SimDuration(microseconds: interval - nowMicros % interval), nextPayoutMinorUnits: merchantsOwed,
            payoutsInFlight: census.count(.payout, .paying),
            payments: paymentStats, topups: topupStats, trades: tradeStats, payouts: payoutStats,
            reconciled: reconciliation.checked, breakCount: reconciliation.breakCount, breaks: reconciliation.breaks,
            overdue: reconciliation.overdue, reconciliationLagSeconds: reconciliationLagSeconds, openRecords: lives.count,
            gatewaySlowFactor: gateway.slowFactor, gatewayTimeoutPercent: gateway.dropAnswerFraction * 100)
    }

    /// Seconds since every record that was due had matched.
    public var reconciliationLagSeconds: Double {
        reconciliation.overdue == 0 ? 0 : Double(nowMicros - reconciliation.lastClean) / 1_000_000
    }
}
