import FlyingFox
import FlyingSocks
import Foundation
import PaySim
import Prometheus

/// Why the endpoint could not start: the message says what was asked and
/// what is valid.
public struct MetricsListenError: Error, CustomStringConvertible {
    public var description: String
}

/// The live metrics endpoint: `GET /metrics` answers in the Prometheus text
/// format from a swift-prometheus registry, served by FlyingFox on its own
/// threads. The session writes into the registry (`update`, once a
/// simulated second or a frame, and each committed request's latency);
/// a scrape reads it under the registry's own locks and never waits on the
/// simulation, nor the simulation on a scrape.
public final class MetricsEndpoint: Sendable {
    let registry = PrometheusCollectorRegistry()
    let server: HTTPServer
    /// Where it listens, as `HOST:PORT` (the port the system chose, for `:0`).
    public let address: String
    let metrics: Metrics

    /// `HOST:PORT` with an IPv4 or IPv6 address (`127.0.0.1:9464`,
    /// `[::1]:9464`, `0.0.0.0:9464`) or `localhost`; port 0 lets the system choose.
    public static func parse(_ text: String) throws(MetricsListenError) -> (host: String, port: UInt16, ipv6: Bool) {
        func fail(_ why: String) -> MetricsListenError {
            MetricsListenError(description: "'\(InputText.shown(text, limit: 80))' \(why); expected HOST:PORT, e.g. 127.0.0.1:9464, [::1]:9464 or 0.0.0.0:9464")
        }
        var host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw fail("has no port after the IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw fail("has no port") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw fail("is an IPv6 address without brackets") }
        }
        guard let port = UInt16(portText), portText.allSatisfy(\.isASCII) else { throw fail("has port '\(InputText.shown(String(portText), limit: 20))', not 0 to 65535") }
        if host == "localhost" { host = "127.0.0.1" }
        let ipv6 = host.contains(":")
        var probe = [UInt8](repeating: 0, count: 16)
        guard inet_pton(ipv6 ? AF_INET6 : AF_INET, String(host), &probe) == 1 else {
            throw fail("has host '\(InputText.shown(String(host), limit: 40))', not an IP address")
        }
        return (String(host), port, ipv6)
    }

    /// Binds and starts serving; a bad address or one that cannot be bound
    /// (in use, not this machine's) is an error now, before any session.
    public init(listen text: String) throws(MetricsListenError) {
        let (host, port, ipv6) = try MetricsEndpoint.parse(text)
        let server: HTTPServer
        do {
            server = ipv6 ? HTTPServer(address: try .inet6(ip6: host, port: port), logger: .disabled)
                          : HTTPServer(address: try .inet(ip4: host, port: port), logger: .disabled)
        } catch {
            throw MetricsListenError(description: "'\(InputText.shown(text, limit: 80))': \(MetricsEndpoint.reason(error))")
        }
        self.server = server
        metrics = Metrics(registry)
        let registry = self.registry
        let started = Blocking {
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                             body: Data(registry.emitToBuffer()))
            }
            await server.appendRoute("GET /") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                             body: Data("payops: the metrics are at /metrics\n".utf8))
            }
        }
        started.wait()
        // Serving runs until `stop`; its failure to bind ends the wait below.
        let failure = Box()
        let ready = DispatchSemaphore(value: 0)
        Task.detached {
            do { try await server.run() } catch { failure.set(MetricsEndpoint.reason(error)) }
            ready.signal()
        }
        Task.detached {
            try? await server.waitUntilListening(timeout: 5)
            ready.signal()
        }
        _ = ready.wait(timeout: .now() + 6)
        let bound = Blocking { await server.listeningAddress }.value()
        guard failure.get() == nil, let bound else {
            throw MetricsListenError(description: "cannot listen on \(InputText.shown(text, limit: 80)): \(failure.get() ?? "the server did not start")")
        }
        switch bound {
        case .ip4(let ip, let p): address = "\(ip):\(p)"
        case .ip6(let ip, let p): address = "[\(ip)]:\(p)"
        default: address = "\(host):\(port)"
        }
    }

    static func reason(_ error: any Error) -> String {
        if case SocketError.failed(_, _, let message) = error { return message }
        return "\(error)"
    }

    /// Takes the session's figures into the registry.
    public func update(_ s: MetricsSample) { metrics.update(s) }

    /// One committed request's latency, from arrival, for the histogram.
    public func observeCommitted(_ w: Workload, microseconds: Int64) {
        metrics.duration[w.rawValue].record(Duration.microseconds(microseconds))
    }

    /// The text a scrape gets now.
    public func exposition() -> String { registry.emitToString() }

    /// Closes the listening socket and the connections.
    public func stop() {
        let server = self.server
        Blocking { await server.stop(timeout: 0) }.wait()
    }
}

/// Every metric the endpoint serves, with the totals already counted, so a
/// counter moves by what happened since the last update.
final class Metrics: @unchecked Sendable {
    let lock = NSLock()
    let registry: PrometheusCollectorRegistry
    var requests: [[Counter]]
    var offered: [Counter], shed: [Counter], retries: [Counter]
    var duration: [DurationHistogram]
    var offeredRate: [Gauge], goodputRate: [Gauge]
    var cacheHits: Counter, cacheMisses: Counter
    var simulated: Gauge, inFlight: Gauge, breaks: Gauge, violations: Gauge
    var queueLag: [String: Gauge] = [:], queueDepth: [String: Gauge] = [:]
    var nodeUp: [String: Gauge] = [:], nodeState: [String: [Gauge]] = [:]
    var shardUp: [String: Gauge] = [:], shardInDoubt: [String: Gauge] = [:]
    var slo: [String: Gauge] = [:]
    /// What each counter stood at, by its place in `counted`.
    var last: [Int64] = []

    static let buckets: [Duration] = [.milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                      .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30)]

    init(_ r: PrometheusCollectorRegistry) {
        registry = r
        let workloads = Workload.allCases
        requests = workloads.map { w in
            RequestOutcome.allCases.map { o in
                r.makeCounter(descriptor: named("payops_requests_total", "Requests answered, by workload and outcome."),
                              labels: [("workload", w.name), ("outcome", "\(o)")])
            }
        }
        offered = workloads.map { r.makeCounter(descriptor: named("payops_requests_offered_total", "Requests that arrived."), labels: [("workload", $0.name)]) }
        shed = workloads.map { r.makeCounter(descriptor: named("payops_requests_shed_total", "Requests refused unserved (rate limits, full queues, no node)."), labels: [("workload", $0.name)]) }
        retries = workloads.map { r.makeCounter(descriptor: named("payops_retries_total", "Retry attempts clients made."), labels: [("workload", $0.name)]) }
        duration = workloads.map {
            r.makeDurationHistogram(descriptor: named("payops_request_duration_seconds", "Latency of committed requests, from arrival."), labels: [("workload", $0.name)], buckets: Metrics.buckets)
        }
        offeredRate = workloads.map { r.makeGauge(descriptor: named("payops_offered_requests_per_second", "Arrivals per second over the last 10 simulated seconds."), labels: [("workload", $0.name)]) }
        goodputRate = workloads.map { r.makeGauge(descriptor: named("payops_goodput_requests_per_second", "Commits per second over the last 10 simulated seconds."), labels: [("workload", $0.name)]) }
        cacheHits = r.makeCounter(descriptor: named("payops_cache_hits_total", "Cache reads that hit."))
        cacheMisses = r.makeCounter(descriptor: named("payops_cache_misses_total", "Cache reads that missed."))
        simulated = r.makeGauge(descriptor: named("payops_simulated_seconds", "Simulated time since the start of the run."))
        inFlight = r.makeGauge(descriptor: named("payops_requests_in_flight", "Requests without an answer yet."))
        breaks = r.makeGauge(descriptor: named("payops_reconciliation_breaks", "Breaks the reconciliation has found."))
        violations = r.makeGauge(descriptor: named("payops_ledger_violations", "Violations of the ledger's invariants the auditor has found."))
    }

    func gauge(_ table: inout [String: Gauge], _ key: String, _ make: () -> Gauge) -> Gauge {
        if let g = table[key] { return g }
        let g = make()
        table[key] = g
        return g
    }

    func update(_ s: MetricsSample) {
        lock.lock()
        defer { lock.unlock() }
        let r = registry
        // Counters, in a fixed order, moved by what happened since the last update.
        var counters: [(Counter, Int64)] = []
        for (w, outcomes) in s.answered.enumerated() {
            for (o, n) in outcomes.enumerated() { counters.append((requests[w][o], n)) }
            counters.append((offered[w], s.offered[w]))
            counters.append((shed[w], s.shed[w]))
            counters.append((retries[w], s.retries[w]))
        }
        counters.append((cacheHits, s.cacheHits))
        counters.append((cacheMisses, s.cacheMisses))
        if last.count != counters.count { last = [Int64](repeating: 0, count: counters.count) }
        for (i, (c, total)) in counters.enumerated() where total > last[i] {
            c.increment(by: total - last[i])
            last[i] = total
        }
        for w in Workload.allCases.indices {
            offeredRate[w].set(s.offeredPerSecond[w])
            goodputRate[w].set(s.goodputPerSecond[w])
        }
        simulated.set(s.time.seconds)
        inFlight.set(Double(s.inFlight))
        breaks.set(Double(s.reconciliationBreaks))
        violations.set(Double(s.ledgerViolations))
        for q in s.queues {
            gauge(&queueLag, q.group) { r.makeGauge(descriptor: named("payops_queue_lag_messages", "Messages the consumer group has not yet consumed."), labels: [("group", q.group)]) }.set(Double(q.lag))
            gauge(&queueDepth, q.group) { r.makeGauge(descriptor: named("payops_queue_depth_messages", "Messages held in the group's topic."), labels: [("group", q.group)]) }.set(Double(q.depth))
        }
        for n in s.nodes {
            let up = n.state == .up || n.state == .recovering
            gauge(&nodeUp, n.name) { r.makeGauge(descriptor: named("payops_node_up", "1 when the node takes traffic (up or recovering), else 0."), labels: [("node", n.name)]) }.set(up ? 1.0 : 0.0)
            if nodeState[n.name] == nil {
                nodeState[n.name] = RunSeries.stateCodes.map { st in
                    r.makeGauge(descriptor: named("payops_node_state", "1 for the node's current state, 0 for the others."), labels: [("node", n.name), ("state", st.rawValue)])
                }
            }
            for (i, st) in RunSeries.stateCodes.enumerated() { nodeState[n.name]![i].set(st == n.state ? 1.0 : 0.0) }
        }
        for sh in s.shards {
            gauge(&shardUp, sh.name) { r.makeGauge(descriptor: named("payops_shard_up", "1 when the shard is up, 0 when crashed."), labels: [("shard", sh.name)]) }.set(sh.up ? 1.0 : 0.0)
            gauge(&shardInDoubt, sh.name) { r.makeGauge(descriptor: named("payops_shard_in_doubt", "Prepared transactions on the shard waiting for their decision past the timeout."), labels: [("shard", sh.name)]) }.set(Double(sh.inDoubt))
        }
        for t in s.thresholds {
            gauge(&slo, t.text) { r.makeGauge(descriptor: named("payops_slo_breached", "1 while the threshold is breached, else 0."), labels: [("slo", t.text)]) }.set(t.breached ? 1.0 : 0.0)
        }
    }
}

/// A metric's name and help as swift-prometheus takes them: `payops_` and the rest.
func named(_ full: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "payops", metricName: String(full.dropFirst("payops_".count)), unitName: "", helpText: help)
}

/// A value the serving threads and the session share.
final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ t: String) { lock.lock(); text = t; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return text }
}

/// Runs async work from synchronous code and waits for it (the session's
/// thread is not one of the concurrency pool's, so waiting cannot starve it).
final class Blocking<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: T?

    init(_ work: @escaping @Sendable () async -> T) {
        Task.detached {
            self.result = await work()
            self.done.signal()
        }
    }

    func value() -> T {
        done.wait()
        return result!
    }

    func wait() { _ = value() }
}
