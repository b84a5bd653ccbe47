/// The hand-written halves of the snapshot's `Codable` form (the rest is
/// synthesized): what a session publishes is what the console draws.

extension SecondSeries: Codable {
    /// Its capacity and its samples, oldest first.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(capacity)
        try c.encode(values)
    }

    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let capacity = try c.decode(Int.self)
        let values = try c.decode([Double].self)
        guard capacity > 0, capacity <= 1 << 20, values.count <= capacity else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a series of \(values.count) in \(capacity)"))
        }
        self.init(capacity: capacity)
        for v in values { append(v) }
    }
}

extension WorkloadStats: Codable {
    private enum CodingKeys: String, CodingKey { case submitted, committed, declined, aborted, failed, duplicates }

    /// The counters only: the run's latency histograms stay with the run
    /// (the screen shows the windowed percentiles of the workload row), and
    /// decode as empty.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(submitted, forKey: .submitted)
        try c.encode(committed, forKey: .committed)
        try c.encode(declined, forKey: .declined)
        try c.encode(aborted, forKey: .aborted)
        try c.encode(failed, forKey: .failed)
        try c.encode(duplicates, forKey: .duplicates)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        submitted = try c.decode(Int64.self, forKey: .submitted)
        committed = try c.decode(Int64.self, forKey: .committed)
        declined = try c.decode(Int64.self, forKey: .declined)
        aborted = try c.decode(Int64.self, forKey: .aborted)
        failed = try c.decode(Int64.self, forKey: .failed)
        duplicates = try c.decode(Int64.self, forKey: .duplicates)
    }
}

extension SLOThreshold.Measure: Codable {
    private enum CodingKeys: String, CodingKey { case kind, workload, percentile, group }
    private enum Kind: String, Codable { case latency, success, errorRate, shed, goodput, lag, reconciliationBreaks }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var workload: Workload?, percentile: Double?, group: String?
        let kind: Kind
        switch self {
        case .latency(let w, let p): kind = .latency; workload = w; percentile = p
        case .success(let w): kind = .success; workload = w
        case .errorRate(let w): kind = .errorRate; workload = w
        case .shed(let w): kind = .shed; workload = w
        case .goodput(let w): kind = .goodput; workload = w
        case .lag(let g): kind = .lag; group = g
        case .reconciliationBreaks: kind = .reconciliationBreaks
        }
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(workload, forKey: .workload)
        try c.encodeIfPresent(percentile, forKey: .percentile)
        try c.encodeIfPresent(group, forKey: .group)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(Kind.self, forKey: .kind)
        let workload = try c.decodeIfPresent(Workload.self, forKey: .workload)
        let percentile = try c.decodeIfPresent(Double.self, forKey: .percentile)
        let group = try c.decodeIfPresent(String.self, forKey: .group)
        func need<T>(_ v: T?) throws -> T {
            guard let v else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(kind) without its argument")) }
            return v
        }
        switch kind {
        case .latency: self = .latency(try need(workload), percentile: try need(percentile))
        case .success: self = .success(workload)
        case .errorRate: self = .errorRate(workload)
        case .shed: self = .shed(workload)
        case .goodput: self = .goodput(workload)
        case .lag: self = .lag(group: try need(group))
        case .reconciliationBreaks: self = .reconciliationBreaks
        }
    }
}
