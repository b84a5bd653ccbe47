import PaySim

extension Screen {
    /// The life of money: reconciliation first (its verdict and lag), then
    /// what is held, what awaits settlement, the next payout, refunds and
    /// chargebacks, and the gateway's faults. Lines that do not fit are
    /// dropped from the bottom, so the verdict always shows.
    mutating func drawMoney(_ r: Rect) {
        guard r.height >= 3 else { return }
        canvas.box(r, title: "Money", glyphs: glyphs)
        let m = snapshot.money
        let inner = r.inner
        var lines: [[(String, Style)]] = []
        func amount(_ minor: Int64) -> String { Format.count(Double(minor) / 100) }

        let lag = m.reconciliationLagSeconds
        let lagStyle = lag >= 60 ? alert(.critical) : lag > 0 ? alert(.warn) : Style(.dim)
        if m.reconciles {
            lines.append([("recon ", Style(.dim)), ("\(glyphs.ok) \(Format.count(m.reconciled)) matched", Style(.ok)),
                          ("  lag \(Format.trim(lag, 0))s", lagStyle), ("  open \(Format.count(Double(m.openRecords)))", Style(.dim))])
        } else {
            lines.append([("recon ", Style(.dim)), ("✖ \(Format.count(m.breakCount)) break\(m.breakCount == 1 ? "" : "s")", alert(.critical)),
                          ("  lag \(Format.trim(lag, 0))s", lagStyle), ("  of \(Format.count(m.reconciled))", Style(.dim))])
        }
        lines.append([("holds ", Style(.dim)), ("\(Format.count(Double(m.holdsOpen))) · \(amount(m.holdsMinorUnits))", Style(.text)),
                      ("  capturing \(Format.count(Double(m.capturesPending)))", Style(.text)),
                      ("  releasing \(Format.count(Double(m.releasesPending)))", Style(m.releasesPending > 100 ? .warn : .dim))])
        lines.append([("trades ", Style(.dim)), ("awaiting \(Format.count(Double(m.tradesAwaiting)))", Style(.text)),
                      ("  settling \(Format.count(Double(m.tradesSettling)))", Style(.text)),
                      ("  failed \(Format.count(m.trades.settlementFailed))", m.trades.settlementFailed > 0 ? alert(.warn) : Style(.dim))])
        let payout: [(String, Style)] = m.payoutsPaused
            ? [("payouts ", Style(.dim)), ("PAUSED", alert(.warn)), ("  owed \(amount(m.nextPayoutMinorUnits))", Style(.text))]
            : [("payout ", Style(.dim)), ("in \(Format.duration(m.nextPayoutIn))", Style(.text)), ("  owed \(amount(m.nextPayoutMinorUnits))", Style(.text)),
               ("  paid \(amount(m.payouts.paidMinorUnits))", Style(.dim)), (m.payoutsInFlight > 0 ? "  paying \(m.payoutsInFlight)" : "", Style(.warn))]
        lines.append(payout)
        lines.append([("refunds ", Style(.dim)), ("\(Format.trim(m.refundsPerMinute, 1))/min", Style(.text)),
                      ("  chargebacks ", Style(.dim)), ("\(Format.trim(m.chargebacksPerMinute, 1))/min", Style(m.chargebacksPerMinute > 5 ? .warn : .text))])
        var gateway: [(String, Style)] = [("top-ups ", Style(.dim)), ("open \(Format.count(Double(m.topupsOpen)))", Style(.text)),
                                          ("  reversing \(Format.count(Double(m.reversalsPending)))", Style(m.reversalsPending > 0 ? .warn : .dim))]
        if m.gatewaySlowFactor > 1 { gateway.append(("  gw ×\(Format.factor(m.gatewaySlowFactor))", alert(.warn))) }
        if m.gatewayTimeoutPercent > 0 { gateway.append(("  gw \(Format.trim(m.gatewayTimeoutPercent, 0))% t/o", alert(.warn))) }
        lines.append(gateway)
        if m.settlementFailPercent > 0 && lines.count < inner.height {
            lines.append([("settlement ", Style(.dim)), ("counterparties fail \(Format.trim(m.settlementFailPercent, 1))%", Style(m.settlementFailPercent >= 5 ? .warn : .text))])
        }
        // Room to spare: the totals since the start, then the latest breaks.
        if inner.height >= lines.count + 6 {
            let p = m.payments, t = m.topups, tr = m.trades, po = m.payouts
            lines.append([("since start", Style(.title, bold: true))])
            lines.append([("payments ", Style(.dim)), ("\(Format.count(p.authorised)) authorised  \(Format.count(p.captured)) captured  \(Format.count(p.partialCaptures)) partial", Style(.text))])
            lines.append([("  ", Style(.dim)), ("\(Format.count(p.expired)) expired  \(Format.count(p.voided)) voided  \(Format.count(p.refunded)) refunds  \(Format.count(p.chargebacks)) chargebacks", Style(.text))])
            lines.append([("top-ups ", Style(.dim)), ("\(Format.count(t.authorised)) authorised  \(Format.count(t.captured)) captured  \(Format.count(t.reversed)) reversed", Style(.text))])
            lines.append([("trades ", Style(.dim)), ("\(Format.count(tr.accepted)) accepted  \(Format.count(tr.settled)) settled  \(Format.count(tr.failedAttempts)) failed attempts", Style(.text))])
            lines.append([("payouts ", Style(.dim)), ("\(Format.count(po.batches)) batches  \(Format.count(po.transactions)) paid  \(Format.count(po.failed)) failed  \(Format.count(po.retries)) retries", Style(.text))])
            if !m.breaks.isEmpty && inner.height > lines.count + 1 {
                lines.append([("breaks", alert(.critical))])
                for b in m.breaks.suffix(inner.height - lines.count) { lines.append([("\(b.kind.rawValue): \(b.message)", Style(.critical))]) }
            }
        }
        // A segment is drawn whole or not at all, so no figure is ever cut;
        // the first of a line (its label) is cut with an ellipsis if need be.
        for (i, line) in lines.prefix(inner.height).enumerated() {
            var x = inner.x
            for (n, (text, style)) in line.enumerated() {
                if x + text.count > inner.maxX {
                    if n == 0 { canvas.put(Table.fit(text, width: inner.maxX - x), x: x, y: inner.y + i, style: style) }
                    break
                }
                x = canvas.put(text, x: x, y: inner.y + i, style: style)
            }
        }
    }
}
