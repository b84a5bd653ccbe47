import Testing
@testable import PaySim

/// The run's per-second series: bounded, and its counts add up to the run's.
@Suite struct RunSeriesTests {
    @Test func anHourStaysBoundedAndItsCountsAddUp() {
        var c = SimulationConfig()
        c.baseRateTPS = 20
        let sim = Simulation(config: c)
        var rows = 0
        sim.keepSeries { _, _, _ in rows += 1 }
        _ = sim.runHeadless(duration: .seconds(3_600))
        let report = sim.report(duration: .seconds(3_600))
        let s = sim.series!
        // Every raw second was streamed; the kept rows were merged in pairs once past the capacity.
        #expect(rows == Int(report.run.simulated_s.rounded(.up)))
        #expect(s.count <= RunSeries.defaultCapacity)
        #expect(s.rowsPerRow == 2)
        #expect(s.times.last == report.run.simulated_s)
        #expect(abs(s.spans.reduce(0, +) - report.run.simulated_s) < 1e-6)
        for w in Workload.allCases {
            let r = report.workloads[w.name]!
            #expect(Int64(s.column("\(w.name)_offered")!.reduce(0, +)) == r.submitted)
            #expect(Int64(s.column("\(w.name)_goodput")!.reduce(0, +)) == r.committed)
        }
    }

    @Test func mergingKeepsSumsPeaksAndTheWorseState() {
        let columns = [RunSeries.Column(name: "n", unit: "requests", merge: .sum), RunSeries.Column(name: "p99", unit: "ms", merge: .max),
                       RunSeries.Column(name: "cpu", unit: "ratio", merge: .mean), RunSeries.Column(name: "node-1_state", unit: "state", merge: .worst)]
        var s = RunSeries(columns: columns, capacity: 4)
        for i in 1...5 { s.append(at: Double(i), span: 1, [Double(i), i == 2 ? .nan : Double(10 * i), 0.5, i == 3 ? 5 : 0]) }
        // Five rows in a series of four: merged in pairs, the fifth alone.
        #expect(s.count == 3)
        #expect(s.times == [2, 4, 5])
        #expect(s.spans == [2, 2, 1])
        #expect(s.values[0] == [3, 7, 5])
        #expect(s.values[1] == [10, 40, 50])
        #expect(s.values[2] == [0.5, 0.5, 0.5])
        #expect(s.values[3] == [0, 5, 0])
    }
}
