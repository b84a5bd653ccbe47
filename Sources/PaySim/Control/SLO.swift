import Histogram

/// A service-level threshold: what "we held" means for a drill, checked
/// every simulated second over a rolling window.
///
///     payment.p99 < 300ms              committed payments' p99 over the last minute
///     topup.success > 99% over 30s     answered without an error (a decline is an answer)
///     error_rate < 1%                  answers that aborted or failed, every workload
///     shed < 5%                        attempts refused at the edge
///     goodput > 800                    committed per second
///     lag.wallet-credit < 30s          age of the oldest message the group has not committed
///     reconciliation.breaks == 0
public struct SLOThreshold: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Measure: Sendable, Equatable {
        /// A latency percentile of committed requests (0.5, 0.99, 0.999, 1 for the maximum).
        case latency(Workload, percentile: Double)
        case success(Workload?)
        case errorRate(Workload?)
        case shed(Workload?)
        case goodput(Workload?)
        /// A consumer group's lag in time.
        case lag(group: String)
        case reconciliationBreaks

        /// Measured over a window; the others are read as they stand each second.
        var isWindowed: Bool {
            switch self {
            case .lag, .reconciliationBreaks: false
            default: true
            }
        }
    }

    public enum Comparison: String, Sendable, CaseIterable, Codable {
        case lessOrEqual = "<=", greaterOrEqual = ">=", equal = "==", less = "<", greater = ">"

        func holds(_ v: Double, _ limit: Double) -> Bool {
            switch self {
            case .less: v < limit
            case .lessOrEqual: v <= limit
            case .greater: v > limit
            case .greaterOrEqual: v >= limit
            case .equal: abs(v - limit) < 1e-9
            }
        }

        /// Whether `a` is further on the failing side than `b`.
        func isWorse(_ a: Double, than b: Double, limit: Double) -> Bool {
            switch self {
            case .less, .lessOrEqual: a > b
            case .greater, .greaterOrEqual: a < b
            case .equal: abs(a - limit) > abs(b - limit)
            }
        }
    }

    public enum Unit: Sendable, Equatable {
        /// Held in milliseconds; written `300ms`, `1.5s`.
        case time
        /// Held as a fraction; written `99%`.
        case share
        case count
        case perSecond
    }

    public var metric: String
    public var measure: Measure
    public var comparison: Comparison
    /// In the unit's canonical form: milliseconds, a fraction, or a plain number.
    public var limit: Double
    public var window: SimDuration
    public var unit: Unit {
        switch measure {
        case .latency, .lag: .time
        case .success, .errorRate, .shed: .share
        case .goodput: .perSecond
        case .reconciliationBreaks: .count
        }
    }

    public static let defaultWindow = SimDuration.minutes(1)
    public static let windowRange = SimDuration.seconds(1)...SimDuration.minutes(10)

    public var description: String {
        let w = measure.isWindowed && window != Self.defaultWindow ? " over \(window)" : ""
        return "\(metric) \(comparison.rawValue) \(format(limit))\(w)"
    }

    /// A value of this threshold's metric, written as its limit is.
    public func format(_ v: Double) -> String {
        switch unit {
        case .time:
            if v >= 1_000 && (v / 1_000).rounded() == v / 1_000 { return "\(Int(v / 1_000))s" }
            return v.rounded() == v ? "\(Int(v))ms" : "\(Self.trim(v))ms"
        case .share: return "\(Self.trim(v * 100))%"
        case .count: return Self.trim(v)
        case .perSecond: return Self.trim(v)
        }
    }

    /// Up to three decimals, and none when whole: 99.9, 300, 0.125.
    /// A measured value for people: 7.52ms, 312ms, 2.09s, 21.4%, 0.35%, 940.3.
    /// A value that rounds to the limit but is not it keeps the digits that
    /// tell them apart: 29.996s against a limit of 30s.
    public func display(_ v: Double) -> String {
        let shown = rounded(v)
        guard shown == format(limit) && v != limit else { return shown }
        return unit == .time && v >= 1_000 ? "\(Self.trim(v / 1_000))s" : format(v)
    }

    private func rounded(_ v: Double) -> String {
        func decimals(_ x: Double, _ n: Double) -> Double { (x * n).rounded() / n }
        switch unit {
        case .time:
            if v >= 1_000 { return "\(Self.trim(decimals(v / 1_000, 100)))s" }
            return "\(Self.trim(decimals(v, v < 10 ? 100 : 10)))ms"
        case .share: return "\(Self.trim(decimals(v * 100, v < 0.01 ? 100 : 10)))%"
        case .perSecond: return Self.trim(decimals(v, 10))
        case .count: return Self.trim(v)
        }
    }

    static func trim(_ v: Double) -> String {
        let r = (v * 1_000).rounded() / 1_000
        return r == r.rounded() && abs(r) < 1e15 ? "\(Int64(r))" : "\(r)"
    }

    /// The metrics a threshold can name, for messages and completion.
    public static let metricHelp = "payment|topup|trade followed by .p50, .p99, .p99.9, .max, .success, .error_rate, .shed or .goodput; error_rate, success, shed, goodput; lag.GROUP; reconciliation.breaks"
}

/// Why a threshold did not parse: the column (1-based, in the expression) and what is valid there.
public struct SLOParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var description: String { "column \(column): \(message)" }
}

extension SLOThreshold {
    /// Parses `METRIC OP VALUE [over DURATION]`; `groups` are the consumer
    /// groups a `lag.` metric may name.
    public static func parse(_ text: String, groups: [String]) throws(SLOParseError) -> SLOThreshold {
        let chars = Array(text)
        var i = 0
        func fail(_ at: Int, _ message: String) -> SLOParseError { SLOParseError(column: at + 1, message: message) }
        func skipSpaces() { while i < chars.count && chars[i].isWhitespace { i += 1 } }
        func word(_ allowed: (Character) -> Bool) -> (String, Int) {
            skipSpaces()
            let start = i
            while i < chars.count && allowed(chars[i]) { i += 1 }
            return (String(chars[start..<i]), start)
        }
        let (metric, metricAt) = word { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" }
        guard !metric.isEmpty else {
            throw fail(metricAt, "expected a metric (\(metricHelp)), found \(found(chars, metricAt))")
        }
        let measure = try measure(metric.lowercased(), at: metricAt, groups: groups, fail: fail)
        skipSpaces()
        let opAt = i
        let rest = String(chars[i...])
        guard let comparison = Comparison.allCases.first(where: { rest.hasPrefix($0.rawValue) }) else {
            throw fail(opAt, "expected a comparison (<, <=, >, >=, ==) after '\(metric)', found \(found(chars, opAt))")
        }
        i += comparison.rawValue.count
        let (valueText, valueAt) = word { !$0.isWhitespace }
        guard !valueText.isEmpty else { throw fail(valueAt, "expected a value after '\(comparison.rawValue)', found end of expression") }
        var threshold = SLOThreshold(metric: metric.lowercased(), measure: measure, comparison: comparison, limit: 0, window: defaultWindow)
        threshold.limit = try value(valueText.lowercased(), unit: threshold.unit, at: valueAt, fail: fail)
        let (over, overAt) = word { !$0.isWhitespace }
        if !over.isEmpty {
            guard over.lowercased() == "over" else { throw fail(overAt, "expected 'over' and a window like 30s or 5m, or the end, found '\(InputText.shown(over))'") }
            guard measure.isWindowed else { throw fail(overAt, "'\(metric)' is read as it stands each second; it takes no window") }
            let (w, wAt) = word { !$0.isWhitespace }
            guard let window = try? SimDuration.parse(w.lowercased()), windowRange.contains(window) else {
                throw fail(wAt, "expected a window from \(windowRange.lowerBound) to \(windowRange.upperBound), like 30s or 5m, found \(w.isEmpty ? "end of expression" : "'\(InputText.shown(w))'")")
            }
            threshold.window = window
            skipSpaces()
            if i < chars.count { throw fail(i, "unexpected '\(InputText.shown(String(chars[i...])))' after the window") }
        }
        return threshold
    }

    private static func found(_ chars: [Character], _ at: Int) -> String {
        at >= chars.count ? "end of expression" : "'\(InputText.shown(String(chars[at...])))'"
    }

    private static func measure(_ metric: String, at: Int, groups: [String], fail: (Int, String) -> SLOParseError) throws(SLOParseError) -> Measure {
        let parts = metric.split(separator: ".", maxSplits: 1).map(String.init)
        if parts[0] == "lag" {
            guard parts.count == 2, groups.contains(parts[1]) else {
                throw fail(at, "unknown consumer group in '\(InputText.shown(metric))'; expected lag.\(groups.joined(separator: ", lag."))")
            }
            return .lag(group: parts[1])
        }
        if metric == "reconciliation.breaks" { return .reconciliationBreaks }
        let workload = Workload.allCases.first { $0.name == parts[0] }
        let field = workload == nil ? metric : (parts.count == 2 ? parts[1] : "")
        switch field {
        case "success": return .success(workload)
        case "error_rate": return .errorRate(workload)
        case "shed": return .shed(workload)
        case "goodput": return .goodput(workload)
        default: break
        }
        if let workload {
            let percentiles: [String: Double] = ["p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p99.9": 0.999, "max": 1]
            if let p = percentiles[field] { return .latency(workload, percentile: p) }
        }
        throw fail(at, "unknown metric '\(InputText.shown(metric))'; expected \(metricHelp)")
    }

    private static func value(_ text: String, unit: Unit, at: Int, fail: (Int, String) -> SLOParseError) throws(SLOParseError) -> Double {
        switch unit {
        case .time:
            if text.hasSuffix("ms"), let v = Double(text.dropLast(2)), v >= 0, v.isFinite { return v }
            if let d = try? SimDuration.parse(text) { return Double(d.microseconds) / 1_000 }
            throw fail(at, "expected a time like 300ms or 2s, found '\(InputText.shown(text))'")
        case .share:
            guard text.hasSuffix("%"), let v = Double(text.dropLast()), (0...100).contains(v) else {
                throw fail(at, "expected a share from 0% to 100%, like 99.9%, found '\(InputText.shown(text))'")
            }
            return v / 100
        case .count, .perSecond:
            guard let v = Double(text), v >= 0, v.isFinite else {
                throw fail(at, "expected a number like 0 or 800, found '\(InputText.shown(text))'")
            }
            return v
        }
    }
}

/// How one threshold fared over a run.
public struct SLOStatus: Sendable, Equatable, Codable {
    public var threshold: SLOThreshold
    /// The value at the last evaluation (nil before there was anything to measure).
    public var current: Double?
    public var breached = false
    public var breaches = 0
    public var breachedSeconds = 0
    public var breachStartedAt: SimTime?
    /// The worst value seen, and the simulated time of the window it ended.
    public var worst: Double?
    public var worstAt: SimTime?
    public var held: Bool { breaches == 0 }
}

/// Evaluates the run's thresholds once a simulated second, from per-second
/// counts and latency histograms it keeps for the longest window asked for.
final class SLOMonitor {
    private(set) var statuses: [SLOStatus]
    private let horizon: Int
    /// Cumulative counts per workload at the end of each of the last `horizon` seconds.
    private var totals: [[Counts]]
    private var latency: [[Histogram<UInt32>]]
    private let recordsLatency: [Bool]
    private var second = 0
    private static let emptySecond = Histogram<UInt32>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)

    struct Counts {
        var answered: Int64 = 0, errors: Int64 = 0, successes: Int64 = 0
        var attempts: Int64 = 0, shed: Int64 = 0, goodput: Int64 = 0
        static func - (a: Counts, b: Counts) -> Counts {
            Counts(answered: a.answered - b.answered, errors: a.errors - b.errors, successes: a.successes - b.successes,
                   attempts: a.attempts - b.attempts, shed: a.shed - b.shed, goodput: a.goodput - b.goodput)
        }
        static func + (a: Counts, b: Counts) -> Counts {
            Counts(answered: a.answered + b.answered, errors: a.errors + b.errors, successes: a.successes + b.successes,
                   attempts: a.attempts + b.attempts, shed: a.shed + b.shed, goodput: a.goodput + b.goodput)
        }
    }

    init(_ thresholds: [SLOThreshold]) {
        statuses = thresholds.map { SLOStatus(threshold: $0) }
        horizon = max(1, thresholds.map { Int($0.window.microseconds / 1_000_000) }.max() ?? 1)
        let zero = [Counts](repeating: Counts(), count: Workload.allCases.count)
        totals = [zero]
        let records = Workload.allCases.map { w in
            thresholds.contains { if case .latency(w, _) = $0.measure { true } else { false } }
        }
        recordsLatency = records
        let seconds = horizon
        latency = Workload.allCases.map { w in
            records[w.rawValue] ? [Histogram<UInt32>](repeating: SLOMonitor.emptySecond, count: seconds) : []
        }
    }

    func recordCommitted(_ w: Workload, microseconds: Int64) {
        guard recordsLatency[w.rawValue] else { return }
        _ = latency[w.rawValue][second % horizon].record(UInt64(max(1, min(microseconds, 3_600_000_000))))
    }

    /// Closes a second: `now` is its end, `counts` the cumulative counts per
    /// workload. A windowed threshold is judged once its window has filled.
    /// Returns the thresholds that started or stopped being breached.
    func tick(now: SimTime, counts: [Counts], lag: (String) -> Double, breaks: Int) -> [(index: Int, breached: Bool)] {
        totals.append(counts)
        if totals.count > horizon + 1 { totals.removeFirst() }
        let changes = evaluate(now: now, lag: lag, breaks: breaks, partialWindows: false)
        second += 1
        for w in Workload.allCases where recordsLatency[w.rawValue] {
            latency[w.rawValue][second % horizon] = SLOMonitor.emptySecond
        }
        return changes
    }

    /// When arrivals stop: a threshold whose window never filled is judged
    /// once over the seconds there were, so a short run still has a verdict.
    func finish(now: SimTime, lag: (String) -> Double, breaks: Int) -> [(index: Int, breached: Bool)] {
        second -= 1
        defer { second += 1 }
        return evaluate(now: now, lag: lag, breaks: breaks, partialWindows: true)
    }

    private func evaluate(now: SimTime, lag: (String) -> Double, breaks: Int, partialWindows: Bool) -> [(index: Int, breached: Bool)] {
        var changes: [(Int, Bool)] = []
        for i in statuses.indices {
            let t = statuses[i].threshold
            let full = !t.measure.isWindowed || totals.count - 1 >= Int(t.window.microseconds / 1_000_000)
            guard partialWindows ? (!full && statuses[i].current == nil) : full else { continue }
            guard let v = value(t, lag: lag, breaks: breaks) else { continue }
            statuses[i].current = v
            let ok = t.comparison.holds(v, t.limit)
            if statuses[i].worst.map({ t.comparison.isWorse(v, than: $0, limit: t.limit) }) ?? true {
                statuses[i].worst = v
                statuses[i].worstAt = now
            }
            if !ok { statuses[i].breachedSeconds += 1 }
            if ok == statuses[i].breached {
                statuses[i].breached = !ok
                if !ok {
                    statuses[i].breaches += 1
                    statuses[i].breachStartedAt = now
                }
                changes.append((i, !ok))
            }
        }
        return changes
    }

    private func window(_ t: SLOThreshold) -> Int {
        min(Int(t.window.microseconds / 1_000_000), totals.count - 1)
    }

    private func counts(_ w: Workload?, seconds: Int) -> Counts {
        let now = totals[totals.count - 1], then = totals[totals.count - 1 - seconds]
        if let w { return now[w.rawValue] - then[w.rawValue] }
        return Workload.allCases.reduce(Counts()) { $0 + (now[$1.rawValue] - then[$1.rawValue]) }
    }

    private func value(_ t: SLOThreshold, lag: (String) -> Double, breaks: Int) -> Double? {
        let n = window(t)
        switch t.measure {
        case .lag(let group): return lag(group) * 1_000
        case .reconciliationBreaks: return Double(breaks)
        case .latency(let w, let p):
            guard n > 0 else { return nil }
            var merged = SLOMonitor.emptySecond
            for k in 0..<n { merged.add(latency[w.rawValue][(second - k + horizon) % horizon]) }
            guard merged.totalCount > 0 else { return nil }
            let micros = p >= 1 ? merged.max : merged.valueAtPercentile(p * 100)
            return Double(micros) / 1_000
        case .success(let w):
            let c = counts(w, seconds: n)
            return c.answered == 0 ? nil : Double(c.successes) / Double(c.answered)
        case .errorRate(let w):
            let c = counts(w, seconds: n)
            return c.answered == 0 ? nil : Double(c.errors) / Double(c.answered)
        case .shed(let w):
            let c = counts(w, seconds: n)
            return c.attempts == 0 ? nil : Double(c.shed) / Double(c.attempts)
        case .goodput(let w):
            guard n > 0 else { return nil }
            return Double(counts(w, seconds: n).goodput) / Double(n)
        }
    }
}

extension Simulation {
    /// Sets the thresholds checked from the next simulated second on (replacing any).
    public func setThresholds(_ thresholds: [SLOThreshold]) {
        slo = thresholds.isEmpty ? nil : SLOMonitor(thresholds)
    }

    /// Each threshold and how it has fared so far.
    public var thresholdStatuses: [SLOStatus] { slo?.statuses ?? [] }
    /// Whether any threshold has been breached at any time in the run.
    public var anyThresholdBreached: Bool { slo?.statuses.contains { !$0.held } ?? false }

    /// Thresholds are checked while arrivals run: the drain after them has
    /// no load to hold a rate or a share to.
    func sloTick(final: Bool = false) {
        guard let slo, arrivalsOpen || final else { return }
        let counts = Workload.allCases.map { w in
            let l = load[w.rawValue]
            func total(_ o: RequestOutcome) -> Int64 { l.outcomes[o.rawValue].total }
            return SLOMonitor.Counts(
                answered: RequestOutcome.allCases.reduce(0) { $0 + total($1) },
                errors: total(.aborted) + total(.failed), successes: total(.committed) + total(.declined),
                attempts: l.attempts.total, shed: l.shed.total, goodput: l.goodput.total)
        }
        let lag = { (name: String) in self.groups.first { $0.name == name }.map { self.lagSeconds($0) } ?? 0 }
        let breaks = Int(reconciliation.breakCount)
        let changes = final ? slo.finish(now: now, lag: lag, breaks: breaks)
            : slo.tick(now: now, counts: counts, lag: lag, breaks: breaks)
        for (i, breached) in changes {
            let st = slo.statuses[i], t = st.threshold
            let v = st.current.map { t.display($0) } ?? "–"
            if breached {
                log(.crit, "SLO breached: \(t) (now \(v))")
            } else {
                let since = st.breachStartedAt.map { " after \(SimDuration(microseconds: now.microseconds - $0.microseconds))" } ?? ""
                log(.info, "SLO held again: \(t)\(since) (now \(v))")
            }
        }
    }
}
