import PaySim

extension Screen {
    func stateLook(_ s: NodeState) -> (symbol: Character, role: ThemeRole) {
        switch s {
        case .up: (glyphs.up, .ok)
        case .draining, .drained: (glyphs.draining, .warn)
        case .down, .ejected: (glyphs.down, .critical)
        case .recovering: (glyphs.recovering, .accent)
        }
    }

    /// The gateway client: the breaker's state, and while it lets calls
    /// through, the calls in flight of the bulkhead's connections.
    func breakerText(_ n: NodeRow) -> String {
        let calls = n.gatewayConnections.map { "\(n.gatewayCalls)/\($0)" } ?? "\(n.gatewayCalls)"
        guard snapshot.resilience.breakers else { return "off " + calls }
        switch n.breaker {
        case .closed: return "\(glyphs.up) " + calls
        case .open: return "\(glyphs.down) open"
        case .halfOpen: return "\(glyphs.draining) half"
        }
    }

    func breakerStyle(_ n: NodeRow) -> Style {
        switch n.breaker {
        case .closed: Style(snapshot.resilience.breakers ? .ok : .dim)
        case .open: alert(.critical)
        case .halfOpen: alert(.warn)
        }
    }

    /// A row per node: state as symbol, word and colour; weight; slots in
    /// use and queue; rps (requests it received: attempts the balancer sent
    /// it, served or refused, and consumer credit transactions); 503s it
    /// refused; its own errors; CPU; its gateway client (breaker state, and
    /// calls in flight of its bulkhead); p99 time on the node; the last
    /// health checks. Rates are over the last 10 s. The
    /// title counts the balancer's own 503s (no node would take work).
    mutating func drawNodes(_ r: Rect) {
        let rejected = snapshot.balancerRejectionsPerSecond
        canvas.box(r, title: rejected > 0 ? "Nodes ─ lb 503 \(Format.count(rejected))/s" : "Nodes", glyphs: glyphs)
        let inner = r.inner
        let zoomed = state.zoomed && state.focus == .nodes
        var columns: [Table.Column] = [
            .init(title: "  node", width: 9, align: .left, priority: 0),
            .init(title: "state", width: zoomed ? 16 : 11, align: .left, priority: 0),
            .init(title: "w", width: 3, priority: 5),
            .init(title: "in-flight", width: 12, align: .left, priority: 1),
            .init(title: "rps", width: 5, priority: 1),
            .init(title: "503/s", width: 5, priority: 2),
            .init(title: "err%", width: 5, priority: 2),
            .init(title: "cpu", width: 4, priority: 3),
            .init(title: "gateway", width: 8, align: .left, priority: 3),
            .init(title: "p99", width: 6, priority: 4),
            .init(title: "checks", width: 6, align: .left, priority: 6, flexible: true),
        ]
        // Zoomed: the run's totals too.
        if zoomed {
            columns.insert(contentsOf: [.init(title: "requests", width: 9, priority: 2), .init(title: "errors", width: 7, priority: 2),
                                        .init(title: "refused", width: 8, priority: 2), .init(title: "opens", width: 6, priority: 3)], at: 10)
        }
        let table = Table(columns: columns)
        table.drawHeader(&canvas, x: inner.x, y: inner.y, width: inner.width)
        let visible = max(0, inner.height - 1)
        let count = snapshot.nodes.count
        // Scroll so the selection stays in view.
        let first = min(max(0, state.selectedNode - visible + 1), max(0, count - visible))
        nodeRows = (inner.x, inner.y + 1, inner.width, first)
        for row in 0..<min(visible, count - first) {
            let i = first + row
            let n = snapshot.nodes[i]
            let y = inner.y + 1 + row
            let selected = i == state.selectedNode
            let (symbol, role) = stateLook(n.state)
            let glyphs = self.glyphs, theme = self.theme
            let stateWord = n.slowFactor > 1 ? "\(n.state) ×\(Format.factor(n.slowFactor))" : n.state.rawValue
            let checks = n.checks
            var cells: [Table.Content] = [
                .text("\(selected ? String(glyphs.pointer) : " ") \(n.name)", Style(.text, bold: selected)),
                .text("\(symbol) \(stateWord)", Style(role, bold: n.state == .down || n.state == .ejected)),
                .text(n.effectiveWeight < Double(n.weight) ? Format.trim(n.effectiveWeight, 1) : String(n.weight), Style(.text)),
                .draw { c, x, y, width in
                    // Slots in use of capacity; a queue behind full slots shows
                    // as +N. The figures are never cut: the bar gives way first.
                    let figures = Format.slots(inUse: n.inFlight, capacity: n.capacity, queued: n.queued, width: width)
                    let bw = width - figures.count - 1
                    if bw >= 2 {
                        Widgets.bar(&c, fraction: Double(n.inFlight) / Double(max(1, n.capacity)), x: x, y: y, width: bw, glyphs: glyphs, theme: theme)
                    }
                    c.putRight(figures, right: x + width - 1, y: y, style: Style(n.queued > 0 ? .warn : .text, bold: n.queued > 0))
                },
                .text(Format.count(n.rps), Style(.text)),
                .text(Format.count(n.refusedPerSecond), n.refusedPerSecond > 0 ? alert(.warn) : Style(.dim)),
                .text(n.rps > 0 ? Format.percent(n.errorRate) : "–", n.errorRate > 0.01 ? alert(.critical) : Style(.dim)),
                .text(Format.percent(n.cpuUtilisation, decimals: 0), Style(n.cpuUtilisation > 0.8 ? .warn : .text)),
                .text(breakerText(n), breakerStyle(n)),
                .text(Format.milliseconds(n.p99Milliseconds), Style(.text)),
                .draw { c, x, y, width in
                    let passed = Cell(character: glyphs.checkPass, style: Style(.ok)), failed = Cell(character: glyphs.checkFail, style: Style(.critical))
                    for (k, pass) in checks.suffix(width).enumerated() where x + k >= 0 && x + k < c.width {
                        c[x + k, y] = pass ? passed : failed
                    }
                },
            ]
            if zoomed {
                cells.insert(contentsOf: [.text(Format.count(n.requests), Style(.text)), .text(Format.count(n.errors), Style(n.errors > 0 ? .warn : .dim)),
                                          .text(Format.count(n.refused), Style(n.refused > 0 ? .warn : .dim)),
                                          .text(Format.count(n.breakerOpens), Style(n.breakerOpens > 0 ? .warn : .dim))], at: 10)
            }
            table.drawRow(&canvas, cells, x: inner.x, y: y, width: inner.width)
            if selected { canvas.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1)) { $0.background = .selection } }
        }
    }
}
