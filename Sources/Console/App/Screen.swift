import PaySim

/// Renders the whole console into a canvas: a pure function of the model
/// snapshot, the console state, the theme and the size, so tests can look
/// at any screen without a terminal.
public struct Screen {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public let snapshot: MetricsSnapshot
    public let state: ConsoleState
    public let theme: Theme
    public let glyphs: Glyphs
    var canvas: Canvas
    /// Where node rows were drawn: x, y of the first visible row, width, its node index.
    public internal(set) var nodeRows: (x: Int, y: Int, width: Int, first: Int)?
    /// The flow chart as last drawn (the console keeps one across frames;
    /// without one the chart is drawn afresh).
    public var flowCache: FlowChartCache?
    /// Where each panel was drawn, for mouse clicks.
    public internal(set) var panelRects: [(panel: ConsoleState.Panel, rect: Rect)] = []

    public init(snapshot: MetricsSnapshot, state: ConsoleState, theme: Theme, glyphs: Glyphs, width: Int, height: Int) {
        self.snapshot = snapshot
        self.state = state
        self.theme = theme
        self.glyphs = glyphs
        canvas = Canvas(width: width, height: height)
    }

    /// Draws everything and returns the canvas.
    public mutating func render() -> Canvas {
        guard canvas.width >= Screen.minimumWidth, canvas.height >= Screen.minimumHeight else {
            drawTooSmall()
            if glyphs == .ascii { canvas.transliterateToASCII() }
            return canvas
        }
        let strip = timelineRows
        let layout = Layout(width: canvas.width, height: canvas.height, strip: strip, nodes: snapshot.nodes.count,
                            queues: snapshot.queues.count, shards: snapshot.shards.count)
        drawHeader()
        drawTimeline(rows: strip)
        if let v = state.traceView {
            let body = Rect(x: 0, y: 1 + strip, width: canvas.width, height: canvas.height - 2 - strip)
            drawTraces(body, v)
            panelRects = []
        } else if state.zoomed {
            // The focused panel alone, on the whole body: its widest form.
            let body = Rect(x: 0, y: 1 + strip, width: canvas.width, height: canvas.height - 2 - strip)
            draw(state.focus ?? .transactions, body)
            highlightTitle(body)
            panelRects = [(state.focus ?? .transactions, body)]
        } else if let custom = state.layouts[PanelLayout.SizeClass(width: canvas.width)] {
            // The config file's layout for this size.
            let placed = custom.rects(in: Rect(x: 0, y: 1 + strip, width: canvas.width, height: canvas.height - 2 - strip))
            for (panel, rect) in placed { draw(panel, rect) }
            if let focus = state.focus, let r = placed.first(where: { $0.panel == focus })?.rect { highlightTitle(r) }
            panelRects = placed
        } else {
            if let flow = layout.flow { drawFlow(flow) }
            drawTransactions(layout.transactions)
            drawCache(layout.cache)
            drawNodes(layout.nodes)
            drawQueues(layout.queues)
            drawShards(layout.shards)
            drawMoney(layout.money)
            drawEvents(layout.events)
            if let focus = state.focus, let r = layout.rect(of: focus) { highlightTitle(r) }
            panelRects = ConsoleState.Panel.allCases.compactMap { p in layout.rect(of: p).map { (p, $0) } }
        }
        drawFooter()
        if state.mode == .help { drawHelp() }
        if glyphs == .ascii { canvas.transliterateToASCII() }
        return canvas
    }

    mutating func draw(_ panel: ConsoleState.Panel, _ r: Rect) {
        switch panel {
        case .flow: drawFlow(r)
        case .transactions: drawTransactions(r)
        case .cache: drawCache(r)
        case .nodes: drawNodes(r)
        case .queues: drawQueues(r)
        case .shards: drawShards(r)
        case .money: drawMoney(r)
        case .events: drawEvents(r)
        }
    }

    /// Shows the focused panel's title in reverse: the cells of its top
    /// border from the second column up to the border line again.
    mutating func highlightTitle(_ r: Rect) {
        guard r.width > 4, r.height >= 2, r.y < canvas.height else { return }
        var x = r.x + 1
        while x < r.maxX - 1 && x < canvas.width, canvas[x, r.y].character != glyphs.horizontal || x == r.x + 1 {
            var cell = canvas[x, r.y]
            cell.style.reverse = true
            canvas[x, r.y] = cell
            x += 1
        }
    }

    mutating func drawTooSmall() {
        let w = canvas.width, h = canvas.height
        let lines = [
            "Terminal too small",
            "have \(w)×\(h), need \(Screen.minimumWidth)×\(Screen.minimumHeight)",
            "enlarge it, or q to quit",
        ]
        for (i, line) in lines.enumerated() {
            let y = h / 2 - 1 + i
            canvas.put(line, x: max(0, (w - line.count) / 2), y: y, style: Style(i == 0 ? .warn : .text, bold: i == 0))
        }
    }

    // MARK: Helpers shared by panels

    func severityRole(_ s: Severity) -> ThemeRole {
        switch s {
        case .info: .text
        case .warn: .warn
        case .crit: .critical
        }
    }

    /// Style for an emphasis that must survive without colour.
    func alert(_ role: ThemeRole) -> Style { Style(role, bold: true) }
}

/// Where each panel goes for a screen size. Narrow screens (80–119 columns)
/// stack panels in two columns; wide ones give the events log the bottom
/// band and every table more columns; tall ones more history.
struct Layout {
    var transactions: Rect, cache: Rect, nodes: Rect, queues: Rect, shards: Rect, money: Rect, events: Rect
    func rect(of panel: ConsoleState.Panel) -> Rect? {
        switch panel {
        case .flow: flow
        case .transactions: transactions
        case .cache: cache
        case .nodes: nodes
        case .queues: queues
        case .shards: shards
        case .money: money
        case .events: events
        }
    }

    /// The flow chart, across the top, when the height leaves room for it
    /// beside every other panel's essentials: from about 34 rows.
    var flow: Rect?

    /// `strip`: rows under the header taken by the Timeline strip.
    init(width w: Int, height h: Int, strip: Int = 0, nodes: Int, queues: Int, shards: Int) {
        let flowH = min(w >= 120 ? 20 : 12, h - 28 - strip)
        if flowH >= 6 { flow = Rect(x: 0, y: 1 + strip, width: w, height: flowH) }
        let top = 1 + strip + (flow?.height ?? 0), bodyHeight = h - 2 - strip - (flow?.height ?? 0)
        let txHeight = 6
        if w >= 120 {
            let rightW = min(60, max(46, w * 38 / 100))
            let leftW = w - rightW
            let midHeight = max(min(nodes, 16) + 3, min(queues, 16) + 3)
            transactions = Rect(x: 0, y: top, width: leftW, height: txHeight)
            cache = Rect(x: leftW, y: top, width: rightW, height: txHeight)
            self.nodes = Rect(x: 0, y: top + txHeight, width: leftW, height: midHeight)
            self.queues = Rect(x: leftW, y: top + txHeight, width: rightW, height: midHeight)
            let bottomY = top + txHeight + midHeight
            let bottomH = max(0, top + bodyHeight - bottomY)
            let shardW = min(64, w * 2 / 5)
            // Shards over Money in the left of the bottom band: the shard
            // rows first, Money the rest (its totals and breaks when tall).
            let shardsH = min(bottomH, max(min(shards, 16) + 3, bottomH - 20))
            let moneyH = max(0, bottomH - shardsH)
            self.shards = Rect(x: 0, y: bottomY, width: shardW, height: shardsH)
            money = Rect(x: 0, y: bottomY + shardsH, width: shardW, height: moneyH)
            events = Rect(x: shardW, y: bottomY, width: w - shardW, height: bottomH)
        } else {
            let rightW = w * 2 / 5
            let leftW = w - rightW
            // Left: transactions, nodes, queues; right: cache, shards, events.
            let queuesH = min(queues, 8) + 3
            let nodesH = max(4, bodyHeight - txHeight - queuesH)
            transactions = Rect(x: 0, y: top, width: leftW, height: txHeight)
            self.nodes = Rect(x: 0, y: top + txHeight, width: leftW, height: nodesH)
            self.queues = Rect(x: 0, y: top + txHeight + nodesH, width: leftW, height: bodyHeight - txHeight - nodesH)
            let cacheH = 6
            let shardsH = min(shards, 8) + 3
            // Money takes from the events log what the height allows: its
            // verdict and holds at 24 rows, every line from about 34.
            let rest = bodyHeight - cacheH - shardsH
            let moneyH = min(8, max(4, rest - 5))
            cache = Rect(x: leftW, y: top, width: rightW, height: cacheH)
            self.shards = Rect(x: leftW, y: top + cacheH, width: rightW, height: shardsH)
            money = Rect(x: leftW, y: top + cacheH + shardsH, width: rightW, height: moneyH)
            events = Rect(x: leftW, y: top + cacheH + shardsH + moneyH, width: rightW, height: rest - moneyH)
        }
    }
}
