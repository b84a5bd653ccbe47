/// A service centre with identical servers (CPU cores, a log device) that
/// serves jobs first come, first served.
///
/// Because service is FIFO, a job's start and end are known the moment it
/// is submitted: it starts when the earliest server frees up. So the centre
/// needs no events of its own; whoever submits a job schedules what follows
/// at the end time it returns. Jobs are served in submission order, which
/// the event loop makes time order, up to the few hundred microseconds by
/// which a job may be submitted ahead of its arrival.
struct Processor {
    private var freeAt: [Int64]
    /// Service time ever assigned, in microseconds.
    private(set) var assignedMicros: Int64 = 0
    private(set) var jobs: Int64 = 0
    private var doneAtLastTick: Int64 = 0
    private var waitAtLastTick: Int64 = 0
    private var jobsAtLastTick: Int64 = 0
    /// Total time jobs waited before they started, in microseconds.
    private(set) var waitedMicros: Int64 = 0
    /// Busy share of all servers, one sample per simulated second.
    private(set) var utilisation = SecondSeries()
    /// Mean wait of the jobs submitted in each second, in microseconds.
    private(set) var meanWait = SecondSeries()

    init(servers: Int) {
        precondition(servers >= 1, "a processor needs a server")
        freeAt = [Int64](repeating: 0, count: servers)
    }

    var servers: Int { freeAt.count }

    /// How long a job arriving at `time` would wait before it starts.
    func wait(at time: Int64) -> Int64 {
        var earliest = freeAt[0]
        for f in freeAt.dropFirst() where f < earliest { earliest = f }
        return max(0, earliest - time)
    }

    /// Serves a job arriving at `time` that needs `service` microseconds;
    /// returns when it ends.
    mutating func submit(at time: Int64, service: Int64) -> Int64 {
        precondition(service >= 0, "negative service time")
        var best = 0
        for i in 1..<freeAt.count where freeAt[i] < freeAt[best] { best = i }
        let start = max(time, freeAt[best])
        let end = start + service
        freeAt[best] = end
        assignedMicros += service
        waitedMicros += start - time
        jobs += 1
        return end
    }

    /// Work finished by `now`: everything assigned less what is still queued
    /// or in service (each server is busy without a gap until it frees up).
    func done(at now: Int64) -> Int64 {
        var remaining: Int64 = 0
        for f in freeAt where f > now { remaining += f - now }
        return assignedMicros - remaining
    }

    /// Once a simulated second: records the second's utilisation and mean wait.
    mutating func tick(now: Int64) {
        let d = done(at: now)
        utilisation.append(min(1, Double(d - doneAtLastTick) / (Double(freeAt.count) * 1_000_000)))
        doneAtLastTick = d
        let n = jobs - jobsAtLastTick
        meanWait.append(n == 0 ? 0 : Double(waitedMicros - waitAtLastTick) / Double(n))
        waitAtLastTick = waitedMicros
        jobsAtLastTick = jobs
    }

    /// A crash: queued and running work is gone.
    mutating func reset(at now: Int64) {
        for i in freeAt.indices where freeAt[i] > now {
            assignedMicros -= freeAt[i] - now
            freeAt[i] = now
        }
    }
}
