import DequeModule
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain M/M/c queue on the simulator's kernel: Poisson arrivals, c
/// identical exponential servers, first come first served. It exists to
/// measure the kernel (event queue, generator, distributions) against theory
/// and against other simulators, so it carries no model code of its own.
public struct MMcQueueModel: Sendable {
    public var arrivalRate: Double
    public var serviceRate: Double
    public var servers: Int
    public var seed: UInt64

    public init(arrivalRate: Double, serviceRate: Double, servers: Int, seed: UInt64) {
        self.arrivalRate = arrivalRate
        self.serviceRate = serviceRate
        self.servers = servers
        self.seed = seed
    }

    /// What one run measured: customers that finished service and their mean
    /// wait in the queue (start of service minus arrival).
    public struct Result: Sendable, Equatable {
        public var customers: Int
        public var meanWaitSeconds: Double
        public var simulatedSeconds: Double
    }

    enum Event { case arrival, departure }

    /// Runs until `customers` have finished service.
    public func run(customers target: Int) -> Result {
        precondition(target > 0 && servers > 0)
        var rng = SeededRandom(seed: seed)
        let scale = 1_000_000.0
        // Times are kept in microseconds as Double for the waits (sub-µs
        // rounding would bias the mean) and in Int64 for event ordering.
        var queue = EventQueue<Event>()
        var waiting = Deque<Double>()
        waiting.reserveCapacity(1024)
        var busy = 0
        var done = 0
        var waitSum = 0.0
        var clock = 0.0
        let arrivalMean = scale / arrivalRate, serviceMean = scale / serviceRate
        var nextArrival = -log(rng.nextOpenDouble()) * arrivalMean
        queue.schedule(at: Int64(nextArrival), .arrival)
        // Exact (Double) departure times cannot ride in the Int64 heap key, so
        // service is timed in whole microseconds: a bias of < 0.5 µs per wait.
        while done < target, let e = queue.popNext() {
            clock = Double(e.time)
            switch e.payload {
            case .arrival:
                let arrivedAt = nextArrival
                if busy < servers {
                    busy += 1
                    let service = (-log(rng.nextOpenDouble()) * serviceMean).rounded()
                    queue.schedule(at: e.time + Int64(service), .departure)
                } else {
                    waiting.append(arrivedAt)
                }
                nextArrival += -log(rng.nextOpenDouble()) * arrivalMean
                queue.schedule(at: Int64(nextArrival), .arrival)
            case .departure:
                done += 1
                if let arrivedAt = waiting.popFirst() {
                    waitSum += clock - arrivedAt
                    let service = (-log(rng.nextOpenDouble()) * serviceMean).rounded()
                    queue.schedule(at: e.time + Int64(service), .departure)
                } else {
                    busy -= 1
                }
            }
        }
        // Customers served straight away waited zero; only the queue adds.
        return Result(customers: done, meanWaitSeconds: waitSum / Double(done) / scale,
                      simulatedSeconds: clock / scale)
    }

    /// The Erlang C mean wait in queue, Wq = C(c, a) / (cμ − λ), for a stable queue.
    public var erlangCMeanWaitSeconds: Double {
        let a = arrivalRate / serviceRate
        let c = Double(servers)
        precondition(a < c, "the queue must be stable (λ < cμ)")
        // Erlang B by its recursion, then C from B: no factorial overflow.
        var b = 1.0
        for k in 1...servers { b = a * b / (Double(k) + a * b) }
        let erlangC = b / (1 - (a / c) * (1 - b))
        return erlangC / (c * serviceRate - arrivalRate)
    }
}
