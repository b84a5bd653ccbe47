import Testing
import PropertyBased
@testable import PaySim

@Suite struct CommandParserTests {
    static let validForms: [(String, OperatorCommand)] = [
        ("spike 5x for 30s", .spike(factor: 5, duration: .seconds(30), workload: nil)),
        ("spike 2.5x for 1m30s payment", .spike(factor: 2.5, duration: .seconds(90), workload: .payment)),
        ("spike ×5 for 500ms top-up", .spike(factor: 5, duration: .milliseconds(500), workload: .topup)),
        ("spike 5× for 10m trade", .spike(factor: 5, duration: .minutes(10), workload: .trade)),
        ("spike 1000x for 1h topup", .spike(factor: 1000, duration: .minutes(60), workload: .topup)),
        ("spike 0.5x for 250us", .spike(factor: 0.5, duration: .microseconds(250), workload: nil)),
        ("rate 2000", .rate(tps: 2000, workload: nil)),
        ("rate 0", .rate(tps: 0, workload: nil)),
        ("rate 1500.5 trade", .rate(tps: 1500.5, workload: .trade)),
        ("rate 10000000", .rate(tps: 10_000_000, workload: nil)),
        ("rate 1e3 payment", .rate(tps: 1000, workload: .payment)),
        ("mix payment=60,topup=25,trade=15", .mix(WorkloadMix(payment: 60, topup: 25, trade: 15))),
        ("mix payment=100", .mix(WorkloadMix(payment: 100, topup: 0, trade: 0))),
        ("mix payment=50, top-up=50", .mix(WorkloadMix(payment: 50, topup: 50, trade: 0))),
        ("drain node-3", .drainNode(2)),
        ("fail node-1", .failNode(0)),
        ("recover node-12", .recoverNode(11)),
        ("slow node-3 8x", .slowNode(2, factor: 8)),
        ("slow node-1 1x", .slowNode(0, factor: 1)),
        ("slow node-2 ×1.5", .slowNode(1, factor: 1.5)),
        ("weight node-3 4", .weightNode(2, weight: 4)),
        ("weight node-2 0", .weightNode(1, weight: 0)),
        ("weight node-1 100", .weightNode(0, weight: 100)),
        ("lb rr", .balancer(.roundRobin)),
        ("lb wrr", .balancer(.weightedRoundRobin)),
        ("lb random", .balancer(.random)),
        ("lb leastconn", .balancer(.leastConnections)),
        ("lb p2c", .balancer(.powerOfTwoChoices)),
        ("lb hash", .balancer(.consistentHash)),
        ("protocol 2pc", .setProtocol(.twoPhase)),
        ("protocol 3pc", .setProtocol(.threePhase)),
        ("crash shard-2", .crashShard(1)),
        ("restore shard-2", .restoreShard(1)),
        ("crash coordinator node-1", .crashCoordinator(0)),
        ("restore coordinator node-2", .restoreCoordinator(1)),
        ("partition shard-2 for 10s", .partitionShard(1, duration: .seconds(10))),
        ("cache flush", .cacheFlush),
        ("cache capacity 20000", .cacheCapacity(20000)),
        ("cache capacity 1", .cacheCapacity(1)),
        ("gateway down", .gatewayDown),
        ("gateway up", .gatewayUp),
        ("gateway slow 5x", .gatewaySlow(factor: 5)),
        ("gateway slow 1x", .gatewaySlow(factor: 1)),
        ("Gateway TIMEOUTS 20%", .gatewayTimeouts(percent: 20)),
        ("gateway timeouts 0%", .gatewayTimeouts(percent: 0)),
        ("payouts pause", .payouts(paused: true)),
        ("payouts resume", .payouts(paused: false)),
        ("settlement fail-rate 5%", .settlementFailRate(percent: 5)),
        ("settlement fail-rate 0.5%", .settlementFailRate(percent: 0.5)),
        ("consumers wallet-credit 0", .consumers(group: "wallet-credit", count: 0)),
        ("consumers settlement 64", .consumers(group: "settlement", count: 64)),
        ("consumers clearing 3", .consumers(group: "clearing", count: 3)),
        ("consumers notifications 2", .consumers(group: "notifications", count: 2)),
        ("pause", .pause),
        ("resume", .resume),
        ("partition shard-1,shard-2 | shard-3,shard-4 for 10s",
         .partition(sides: [[.shard(0), .shard(1)], [.shard(2), .shard(3)]], duration: .seconds(10))),
        ("partition shard-1 ,shard-2|shard-3 , node-4 for 30s",
         .partition(sides: [[.shard(0), .shard(1)], [.shard(2), .node(3)]], duration: .seconds(30))),
        ("partition node-2 for 5s", .partition(sides: [[.node(1)]], duration: .seconds(5))),
        ("retries budget off", .retryBudget(percent: nil)),
        ("retries budget on", .retryBudget(percent: 20)),
        ("retries budget 35%", .retryBudget(percent: 35)),
        ("retries budget 0%", .retryBudget(percent: 0)),
        ("retries attempts 5", .retryAttempts(5)),
        ("breaker off", .breakers(false)),
        ("BREAKER ON", .breakers(true)),
        ("bulkhead 32", .bulkhead(connections: 32)),
        ("bulkhead off", .bulkhead(connections: nil)),
        ("deadline 2s", .deadline(.seconds(2))),
        ("deadline off", .deadline(nil)),
        ("ejection off", .ejection(false)),
        ("ratelimit 50", .rateLimit(perSecond: 50)),
        ("ratelimit 50/s", .rateLimit(perSecond: 50)),
        ("ratelimit off", .rateLimit(perSecond: nil)),
        ("ramp rate 1000 to 8000 over 5m", .ramp(from: 1_000, to: 8_000, duration: .minutes(5), workload: nil)),
        ("RAMP RATE 500 TO 0 OVER 30s topup", .ramp(from: 500, to: 0, duration: .seconds(30), workload: .topup)),
    ]

    @Test(arguments: validForms)
    func parsesEveryForm(_ line: String, _ expected: OperatorCommand) throws {
        #expect(try CommandParser.parse(line) == expected)
    }

    @Test(arguments: [
        ("SPIKE 5X FOR 30S PAYMENT", OperatorCommand.spike(factor: 5, duration: .seconds(30), workload: .payment)),
        ("Drain Node-3", .drainNode(2)),
        ("   drain    node-3   ", .drainNode(2)),
        ("\tdrain\tnode-3\t", .drainNode(2)),
        ("drain node-3 # take it out for the upgrade", .drainNode(2)),
        ("drain node-3#no space before the comment", .drainNode(2)),
        ("LB LeastConn", .balancer(.leastConnections)),
        ("Protocol 3PC", .setProtocol(.threePhase)),
        ("CRASH Coordinator NODE-1", .crashCoordinator(0)),
        ("  Consumers  Wallet-Credit  4  # scale out", .consumers(group: "wallet-credit", count: 4)),
        ("Gateway DOWN", .gatewayDown),
        ("MIX Payment=60,TopUp=25,Trade=15", .mix(.default)),
        ("Partition SHARD-2 For 1M30S", .partitionShard(1, duration: .seconds(90))),
        ("  pause  ", .pause),
    ])
    func ignoresCaseWhitespaceAndComments(_ line: String, _ expected: OperatorCommand) throws {
        #expect(try CommandParser.parse(line) == expected)
    }

    static let everyCase: [OperatorCommand] = [
        .spike(factor: 5, duration: .seconds(30), workload: .payment),
        .spike(factor: 2.5, duration: .seconds(90), workload: nil),
        .spike(factor: 0.25, duration: .microseconds(1_500), workload: .topup),
        .rate(tps: 2000, workload: nil),
        .rate(tps: 0.1, workload: .trade),
        .rate(tps: 10_000_000, workload: .topup),
        .mix(.default),
        .mix(WorkloadMix(payment: 0, topup: 100, trade: 0)),
        .setProtocol(.twoPhase), .setProtocol(.threePhase),
        .crashShard(0), .restoreShard(7),
        .crashCoordinator(0), .restoreCoordinator(4),
        .partitionShard(1, duration: .seconds(10)),
        .partitionShard(3, duration: SimDuration(microseconds: 3_723_004_005)),
        .gatewayDown, .gatewayUp, .pause, .resume,
        .gatewaySlow(factor: 5), .gatewaySlow(factor: 1.5), .gatewayTimeouts(percent: 20), .gatewayTimeouts(percent: 0),
        .payouts(paused: true), .payouts(paused: false), .settlementFailRate(percent: 5), .settlementFailRate(percent: 100),
        .drainNode(2), .failNode(0), .recoverNode(9),
        .slowNode(2, factor: 8), .slowNode(0, factor: 1.25),
        .weightNode(2, weight: 4), .weightNode(0, weight: 0),
        .balancer(.roundRobin), .balancer(.weightedRoundRobin), .balancer(.random),
        .balancer(.leastConnections), .balancer(.powerOfTwoChoices), .balancer(.consistentHash),
        .cacheFlush, .cacheCapacity(20000),
        .consumers(group: "wallet-credit", count: 0), .consumers(group: "notifications", count: 64),
        .partition(sides: [[.shard(0), .node(2)], [.shard(1)], [.shard(3)]], duration: .seconds(12)),
        .retryBudget(percent: nil), .retryBudget(percent: 12.5), .retryAttempts(1),
        .breakers(true), .breakers(false), .bulkhead(connections: 10_000), .bulkhead(connections: nil),
        .deadline(.milliseconds(1_500)), .deadline(nil), .ejection(true), .ejection(false),
        .rateLimit(perSecond: 2.5), .rateLimit(perSecond: nil),
        .ramp(from: 1_000, to: 8_000, duration: .minutes(5), workload: nil), .ramp(from: 0.5, to: 2, duration: .seconds(90), workload: .trade),
    ]

    @Test(arguments: everyCase)
    func canonicalTextRoundTrips(_ command: OperatorCommand) throws {
        #expect(try CommandParser.parse(command.description) == command)
    }

    @Test(arguments: [
        (OperatorCommand.drainNode(2), "drain node-3"),
        (.spike(factor: 5, duration: .seconds(30), workload: .payment), "spike 5x for 30s payment"),
        (.spike(factor: 2.5, duration: .seconds(90), workload: .topup), "spike 2.5x for 1m30s topup"),
        (.rate(tps: 2000, workload: nil), "rate 2000"),
        (.rate(tps: 12.5, workload: .trade), "rate 12.5 trade"),
        (.partitionShard(1, duration: .seconds(10)), "partition shard-2 for 10s"),
        (.slowNode(2, factor: 8), "slow node-3 8x"),
        (.weightNode(0, weight: 4), "weight node-1 4"),
        (.crashCoordinator(0), "crash coordinator node-1"),
        (.restoreShard(1), "restore shard-2"),
        (.mix(.default), "mix payment=60,topup=25,trade=15"),
        (.balancer(.powerOfTwoChoices), "lb p2c"),
        (.setProtocol(.threePhase), "protocol 3pc"),
        (.cacheCapacity(20000), "cache capacity 20000"),
        (.consumers(group: "clearing", count: 2), "consumers clearing 2"),
        (.gatewayDown, "gateway down"),
        (.gatewaySlow(factor: 5), "gateway slow 5x"),
        (.gatewayTimeouts(percent: 20), "gateway timeouts 20%"),
        (.payouts(paused: true), "payouts pause"),
        (.settlementFailRate(percent: 5), "settlement fail-rate 5%"),
        (.partition(sides: [[.shard(0), .shard(1)], [.shard(2), .node(3)]], duration: .seconds(10)), "partition shard-1,shard-2 | shard-3,node-4 for 10s"),
        (.retryBudget(percent: nil), "retries budget off"),
        (.retryBudget(percent: 20), "retries budget 20%"),
        (.bulkhead(connections: 64), "bulkhead 64"),
        (.deadline(.seconds(5)), "deadline 5s"),
        (.rateLimit(perSecond: 100), "ratelimit 100"),
    ])
    func canonicalText(_ command: OperatorCommand, _ text: String) {
        #expect(command.description == text)
    }

    @Test func descriptionOfOutOfRangeValuesDoesNotTrap() {
        #expect(OperatorCommand.drainNode(Int.max).description == "drain node-9223372036854775808")
        #expect(OperatorCommand.crashShard(-1).description == "crash shard-0")
        #expect(OperatorCommand.rate(tps: .nan, workload: nil).description == "rate nan")
        #expect(OperatorCommand.rate(tps: 1e300, workload: nil).description == "rate 1e+300")
    }

    /// (line, column, a fragment the message must contain)
    static let malformed: [(String, Int, String)] = [
        ("drian node-3", 1, "unknown command 'drian'; expected one of: spike, rate, ramp, mix, drain, fail, recover, slow, weight, lb, protocol, crash, restore, partition, cache, gateway, consumers, retries, breaker, bulkhead, deadline, ejection, ratelimit, payouts, settlement, pause, resume"),
        ("", 1, "empty command"),
        ("   # only a comment", 1, "empty command"),
        ("drain nod-3", 7, "expected a node like node-3, found 'nod-3'"),
        ("drain node-0", 7, "numbered from 1"),
        ("drain node-x", 7, "expected a node like node-3, found 'node-x'"),
        ("drain node-", 7, "expected a node like node-3, found 'node-'"),
        ("drain node-+3", 7, "expected a node like node-3"),
        ("drain node-99999999999999999999999", 7, "expected a node like node-3"),
        ("drain", 6, "expected a node like node-3, found end of command"),
        ("  drain   # the node comes later", 11, "found end of command"),
        ("drain node-3 now", 14, "unexpected 'now' after the command"),
        ("DRAIN NODE-3 extra", 14, "unexpected 'extra' after the command"),
        ("pause now", 7, "unexpected 'now' after the command"),
        ("spike 0x for 30s", 7, "expected a spike factor like 5x or 2.5x (0.001x to 1000x), found '0x'"),
        ("spike -2x for 30s", 7, "found '-2x'"),
        ("spike abcx for 30s", 7, "found 'abcx'"),
        ("spike 5 for 30s", 7, "like 5x or 2.5x"),
        ("spike 1001x for 30s", 7, "(0.001x to 1000x), found '1001x'"),
        ("spike ×0 for 1s", 7, "(0.001x to 1000x), found '×0'"),
        ("spike 5x for 10q", 14, "expected a duration like 500ms, 30s, 10m, 1h or 1m30s, found '10q'"),
        ("spike 5x for 30s1m", 14, "expected a duration like 500ms, 30s, 10m, 1h or 1m30s"),
        ("spike 5x for 0s", 14, "positive duration"),
        ("spike 5x 30s", 10, "expected 'for', found '30s'"),
        ("spike 5x for", 13, "expected a duration like 500ms, 30s, 10m, 1h or 1m30s, found end of command"),
        ("spike", 6, "expected a spike factor like 5x or 2.5x, found end of command"),
        ("spike 5x for 30s crypto", 18, "expected a workload (payment, topup, trade)"),
        ("spike 5x for 30s payment now", 26, "unexpected 'now' after the command"),
        ("rate -5", 6, "expected a rate in tps: 0, or 0.001 to 10000000 tps, found '-5'"),
        ("rate 1e400", 6, "0, or 0.001 to 10000000 tps, found '1e400'"),
        ("rate nan", 6, "0, or 0.001 to 10000000 tps, found 'nan'"),
        ("rate inf", 6, "0, or 0.001 to 10000000 tps"),
        ("rate 0x10", 6, "0, or 0.001 to 10000000 tps"),
        ("rate 20000000", 6, "0, or 0.001 to 10000000 tps"),
        ("rate", 5, "found end of command"),
        ("rate 100 bitcoin", 10, "expected a workload (payment, topup, trade)"),
        ("mix payment=60,topup=25,trade=14", 5, "shares sum to 99, not 100; expected workload=percent pairs summing to 100"),
        ("mix payment=60,topup=x,trade=15", 22, "share 'x' is not a whole percent"),
        ("mix payment=60,crypto=40", 16, "unknown workload 'crypto'"),
        ("mix payment=50, crypto=50", 17, "unknown workload 'crypto'"),
        ("mix", 4, "like payment=60,topup=25,trade=15, found end of command"),
        ("lb roundrobin", 4, "unknown balancer algorithm 'roundrobin'; expected one of: rr, wrr, random, leastconn, p2c, hash"),
        ("lb", 3, "rr, wrr, random, leastconn, p2c, hash"),
        ("protocol 4pc", 10, "unknown commit protocol '4pc'; expected one of: 2pc, 3pc"),
        ("consumers ledger 3", 11, "unknown consumer group 'ledger'; expected one of: settlement, wallet-credit, clearing, notifications"),
        ("consumers settlement 65", 22, "expected a consumer count, 0 to 64, found '65'"),
        ("consumers settlement -1", 22, "0 to 64"),
        ("consumers settlement", 21, "consumer count, 0 to 64, found end of command"),
        ("weight node-2 101", 15, "expected a whole-number weight, 0 to 100, found '101'"),
        ("weight node-2 -1", 15, "0 to 100"),
        ("weight node-2 2.5", 15, "whole-number weight"),
        ("slow node-2 0.5x", 13, "(1x to 1000x)"),
        ("slow node-2 8", 13, "slowdown factor like 8x"),
        ("cache capacity 0", 16, "1 to 100000000 entries"),
        ("cache capacity 99999999999999999999999", 16, "1 to 100000000 entries"),
        ("cache clear", 7, "expected flush or capacity after cache, found 'clear'"),
        ("gateway sideways", 9, "expected down, up, slow or timeouts after gateway, found 'sideways'"),
        ("gateway slow", 13, "expected a slowdown factor like 5x (1x to 1000x), found end of command"),
        ("gateway slow 0.5x", 14, "expected a slowdown factor like 5x (1x to 1000x), found '0.5x'"),
        ("gateway slow 5", 14, "expected a slowdown factor like 5x (1x to 1000x), found '5'"),
        ("gateway timeouts 20", 18, "expected a share of calls like 20% (0% to 100%), found '20'"),
        ("gateway timeouts 120%", 18, "expected a share of calls like 20% (0% to 100%), found '120%'"),
        ("gateway timeouts -1%", 18, "found '-1%'"),
        ("payouts stop", 9, "expected pause or resume after payouts, found 'stop'"),
        ("payouts", 8, "expected pause or resume, found end of command"),
        ("settlement fail 5%", 12, "expected fail-rate after settlement, found 'fail'"),
        ("settlement fail-rate 5", 22, "expected a share of settlements like 20% (0% to 100%), found '5'"),
        ("settlement fail-rate 1e400%", 22, "found '1e400%'"),
        ("payouts pause now", 15, "unexpected"),
        ("crash shard-0", 7, "numbered from 1"),
        ("crash node-1", 7, "expected a shard like shard-2 or coordinator node-1, found 'node-1'"),
        ("crash coordinator", 18, "expected a node like node-1, found end of command"),
        ("crash coordinator shard-1", 19, "expected a node like node-3, found 'shard-1'"),
        ("restore", 8, "found end of command"),
        ("partition shard-2 10s", 19, "expected 'for' (or another shard or node), found '10s'"),
        ("partition shard-2 for ten", 23, "expected a duration like 500ms, 30s, 10m, 1h or 1m30s, found 'ten'"),
        ("partition for 10s", 11, "expected shards or nodes like shard-2"),
        ("partition shard-2 | for 10s", 21, "expected shards or nodes like shard-2"),
        ("partition | shard-2 for 10s", 11, "before '|'"),
        ("partition shard-2,shard-2 for 10s", 19, "shard-2 is named twice"),
        ("partition shard-1,nodes-2 for 10s", 19, "expected a node like node-3, found 'nodes-2'"),
        ("partition shard-2 for 9223372036854775807us", 23, "up to 24h"),
        ("spike 5x for 25h", 14, "up to 24h"),
        ("rate 1e-300", 6, "0, or 0.001 to 10000000 tps, found '1e-300'"),
        ("spike 1e-300x for 5s", 7, "(0.001x to 1000x)"),
        ("retries", 8, "expected budget or attempts, found end of command"),
        ("retries budget 120%", 16, "(0% to 100%), on or off"),
        ("retries budget 20", 16, "like 20%"),
        ("retries attempts 0", 18, "1 to 10 attempts"),
        ("breaker maybe", 9, "expected on or off, found 'maybe'"),
        ("bulkhead 0", 10, "(1 to 10000 connections) or off"),
        ("deadline 1ms", 10, "(10ms to 10m) or off"),
        ("ratelimit 0", 11, "(1 to 1000000 per second) or off"),
        ("ejection", 9, "expected on or off, found end of command"),
        ("drain nöde-3", 7, "found 'nöde-3'"),
        ("é drain", 1, "unknown command 'é'"),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedInput(_ line: String, _ column: Int, _ fragment: String) {
        #expect(throws: CommandParseError.self) { try CommandParser.parse(line) }
        do {
            _ = try CommandParser.parse(line)
        } catch {
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
            #expect(error.description == "column \(column): \(error.message)")
        }
    }

    @Test func errorNamesTheToken() {
        #expect(throws: CommandParseError(column: 1, token: "drian", message: "unknown command 'drian'; expected one of: \(CommandParser.keywords.joined(separator: ", "))")) {
            try CommandParser.parse("drian node-3")
        }
        #expect(throws: CommandParseError(column: 6, token: "", message: "expected a node like node-3, found end of command")) {
            try CommandParser.parse("drain")
        }
        #expect(throws: CommandParseError(column: 14, token: "10q", message: "expected a duration like 500ms, 30s, 10m, 1h or 1m30s, found '10q'")) {
            try CommandParser.parse("spike 5x for 10q")
        }
    }

    // MARK: - Never crashes

    static let alphabet: [Character] = Array("abcdemnoprstxyz0123456789 -x=,.#\t×é→\u{301}🙂٣") + ["x", "x", " ", " ", "-"]

    static let tokens: [String] = CommandParser.keywords + [
        "node-1", "node-3", "node-0", "node-x", "node-", "shard-2", "shard-0", "coordinator", "for",
        "5x", "0x", "×3", "2.5×", "1001x", "-2x", "abcx", "30s", "1m30s", "0s", "10q", "payment", "top-up",
        "trade", "crypto", "2000", "0", "64", "-1", "1e400", "nan", "101", "payment=60,topup=25,trade=15",
        "payment=50,", "trade=50", "x=1", "rr", "p2c", "hash", "2pc", "3pc", "flush", "capacity", "down",
        "up", "wallet-credit", "settlement", "#", "é", "→", "PAUSE", "Drain",
    ]

    /// Every outcome is a command that round-trips, or an error pointing into the line.
    static func check(_ line: String) {
        do {
            let command = try CommandParser.parse(line)
            #expect(try CommandParser.parse(command.description) == command, "\(line) → \(command)")
        } catch {
            #expect((1...(line.count + 1)).contains(error.column), "\(line): \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func randomCharactersNeverCrash() async {
        let gen = Gen<Character?>.element(of: Self.alphabet).map { $0 ?? " " }.string(of: 0...40)
        await propertyCheck(count: 2_000, input: gen) { line in
            Self.check(line)
        }
    }

    @Test func randomTokenSequencesNeverCrash() async {
        let words = Gen<String?>.element(of: Self.tokens).map { $0 ?? "" }.array(of: 0...6)
        let separators = Gen<String?>.element(of: [" ", "  ", "\t", " "]).map { $0 ?? " " }
        await propertyCheck(count: 3_000, input: words, separators) { words, separator in
            Self.check(words.joined(separator: separator))
        }
    }

    /// Valid commands with one token deleted, replaced or inserted: near misses.
    @Test func mutatedCommandsNeverCrash() async {
        let lines = Self.validForms.map(\.0) + Self.everyCase.map(\.description)
        let line = Gen<String?>.element(of: lines).map { $0 ?? "" }
        let token = Gen<String?>.element(of: Self.tokens).map { $0 ?? "" }
        await propertyCheck(count: 3_000, input: line, Gen.int(in: 0...3), Gen.int(in: 0...6), token) { line, op, at, token in
            var words = line.split(separator: " ").map(String.init)
            let i = min(at, words.count)
            switch op {
            case 1 where i < words.count: words.remove(at: i)
            case 2 where i < words.count: words[i] = token
            case 3: words.insert(token, at: i)
            default: break
            }
            Self.check(words.joined(separator: " "))
        }
    }

    @Test func asciiNeverCrashes() async {
        await propertyCheck(count: 1_000, input: Gen.ascii.string(of: 0...30)) { line in
            Self.check(line)
            Self.check("spike " + line)
        }
    }

    @Test func partitionMembersAreCheckedAgainstThePlatform() {
        let shape = PlatformShape(nodes: 6, shards: 4)
        #expect(throws: CommandParseError(column: 19, token: "shard-9", message: "there is no shard-9; shards are shard-1 … shard-4")) {
            try CommandParser.parse("partition shard-1,shard-9 for 5s", shape: shape)
        }
        #expect(throws: CommandParseError(column: 21, token: "node-7", message: "there is no node-7; nodes are node-1 … node-6")) {
            try CommandParser.parse("partition shard-1 | node-7 for 5s", shape: shape)
        }
        #expect((try? CommandParser.parse("partition shard-1,shard-2|shard-3,node-6 for 5s", shape: shape)) != nil)
    }

    // MARK: - Completion

    @Test func completesKeywords() {
        #expect(CommandParser.completions(for: "", nodes: 3, shards: 4) == CommandParser.keywords.sorted())
        #expect(CommandParser.completions(for: "r", nodes: 3, shards: 4) == ["ramp", "rate", "ratelimit", "recover", "restore", "resume", "retries"])
        #expect(CommandParser.completions(for: "  Re", nodes: 3, shards: 4) == ["recover", "restore", "resume", "retries"])
        #expect(CommandParser.completions(for: "dr", nodes: 3, shards: 4) == ["drain"])
        #expect(CommandParser.completions(for: "zz", nodes: 3, shards: 4) == [])
    }

    @Test func completesArguments() {
        #expect(CommandParser.completions(for: "drain ", nodes: 3, shards: 4) == ["node-1", "node-2", "node-3"])
        #expect(CommandParser.completions(for: "slow node-", nodes: 2, shards: 4) == ["node-1", "node-2"])
        #expect(CommandParser.completions(for: "fail ", nodes: 0, shards: 4) == [])
        #expect(CommandParser.completions(for: "lb ", nodes: 3, shards: 4) == ["hash", "leastconn", "p2c", "random", "rr", "wrr"])
        #expect(CommandParser.completions(for: "lb r", nodes: 3, shards: 4) == ["random", "rr"])
        #expect(CommandParser.completions(for: "protocol ", nodes: 3, shards: 4) == ["2pc", "3pc"])
        #expect(CommandParser.completions(for: "cache ", nodes: 3, shards: 4) == ["capacity", "flush"])
        #expect(CommandParser.completions(for: "gateway d", nodes: 3, shards: 4) == ["down"])
        #expect(CommandParser.completions(for: "consumers ", nodes: 3, shards: 4) == ["clearing", "notifications", "settlement", "wallet-credit"])
        #expect(CommandParser.completions(for: "crash ", nodes: 3, shards: 2) == ["coordinator", "shard-1", "shard-2"])
        #expect(CommandParser.completions(for: "restore c", nodes: 3, shards: 2) == ["coordinator"])
        #expect(CommandParser.completions(for: "crash coordinator ", nodes: 2, shards: 2) == ["node-1", "node-2"])
        #expect(CommandParser.completions(for: "crash shard-1 ", nodes: 2, shards: 2) == [])
        #expect(CommandParser.completions(for: "partition ", nodes: 2, shards: 3) == ["node-1", "node-2", "shard-1", "shard-2", "shard-3"])
        #expect(CommandParser.completions(for: "partition shard-1 ", nodes: 1, shards: 2) == ["for", "node-1", "shard-1", "shard-2", "|"])
        #expect(CommandParser.completions(for: "retries ", nodes: 1, shards: 2) == ["attempts", "budget"])
        #expect(CommandParser.completions(for: "retries budget ", nodes: 1, shards: 2) == ["off", "on"])
        #expect(CommandParser.completions(for: "breaker o", nodes: 1, shards: 2) == ["off", "on"])
        #expect(CommandParser.completions(for: "partition shard-1 f", nodes: 2, shards: 3) == ["for"])
        #expect(CommandParser.completions(for: "spike 5x for 30s ", nodes: 2, shards: 3) == ["payment", "topup", "trade"])
        #expect(CommandParser.completions(for: "rate 100 t", nodes: 2, shards: 3) == ["topup", "trade"])
        #expect(CommandParser.completions(for: "drain node-1 ", nodes: 3, shards: 4) == [])
        #expect(CommandParser.completions(for: "pause ", nodes: 3, shards: 4) == [])
        #expect(CommandParser.completions(for: "drain # ", nodes: 3, shards: 4) == [])
    }

    @Test func everyCompletionOfAFullCommandParses() {
        for keyword in ["drain", "fail", "recover", "lb", "protocol", "crash", "restore", "cache", "gateway", "payouts"] {
            // Words that need a value after them are completions, not whole commands.
            for word in CommandParser.completions(for: keyword + " ", nodes: 3, shards: 3)
            where !["capacity", "coordinator", "slow", "timeouts"].contains(word) {
                #expect(throws: Never.self) { try CommandParser.parse("\(keyword) \(word)") }
            }
        }
    }
}

@Suite struct ScenarioTests {
    @Test func parsesStepsWithCommentsAndBlankLines() throws {
        let text = """
            # Black Friday: a payment spike, then a shard crash under load.

            at 0s     rate 2000
            at 30s    spike 5x for 1m payment   # the rush
              AT 1m   crash shard-2
            at 1m     lb p2c

            \t# recovery
            at 1m30s  restore shard-2
            at 2m mix payment=50, topup=30, trade=20
            """
        let scenario = try Scenario.parse(text, file: "black-friday.scn")
        #expect(scenario == Scenario(steps: [
            .init(at: .zero, command: .rate(tps: 2000, workload: nil), line: 3, column: 11),
            .init(at: .seconds(30), command: .spike(factor: 5, duration: .minutes(1), workload: .payment), line: 4, column: 11),
            .init(at: .minutes(1), command: .crashShard(1), line: 5, column: 11),
            .init(at: .minutes(1), command: .balancer(.powerOfTwoChoices), line: 6, column: 11),
            .init(at: .seconds(90), command: .restoreShard(1), line: 9, column: 11),
            .init(at: .minutes(2), command: .mix(WorkloadMix(payment: 50, topup: 30, trade: 20)), line: 10, column: 7),
        ]))
    }

    @Test func emptyAndCommentOnlyTextsHaveNoSteps() throws {
        #expect(try Scenario.parse("", file: "a").steps.isEmpty)
        #expect(try Scenario.parse("# nothing\n\n   \n", file: "a").steps.isEmpty)
    }

    @Test func windowsLineEndingsCountLines() throws {
        let s = try Scenario.parse("at 0s pause\r\n\r\nat 1s resume\r\n", file: "w")
        #expect(s.steps.map(\.line) == [1, 3])
    }

    static func error(_ text: String) -> ScenarioError? {
        do {
            _ = try Scenario.parse(text, file: "s.scn")
            return nil
        } catch {
            return error
        }
    }

    @Test func badCommandReportsItsLineAndOriginalColumn() {
        let text = "at 0s rate 100\n# comment\n  at 10s   drain nod-3\n"
        let e = Self.error(text)
        #expect(e == ScenarioError(file: "s.scn", line: 3, column: 18, message: "expected a node like node-3, found 'nod-3'"))
        #expect(e?.description == "s.scn:3:18: expected a node like node-3, found 'nod-3'")
    }

    @Test func unknownCommandAndMissingTokenColumns() {
        #expect(Self.error("at 5s drian node-1")?.description.hasPrefix("s.scn:1:7: unknown command 'drian'") == true)
        #expect(Self.error("\n\nat 5s drain # later")?.description == "s.scn:3:13: expected a node like node-3, found end of command")
        #expect(Self.error("at 1s mix payment=60,topup=x,trade=15")?.column == 28)
    }

    @Test func missingAt() {
        let e = Self.error("at 0s pause\nspike 5x for 30s\n")
        #expect(e?.line == 2)
        #expect(e?.column == 1)
        #expect(e?.message.contains("expected a step like 'at 90s spike 5x for 30s', 'every 2m for 10m cache flush' or a threshold like 'slo payment.p99 < 300ms', found 'spike'") == true)
    }

    @Test func badOrMissingTime() {
        let bad = Self.error("at 10q pause")
        #expect(bad == ScenarioError(file: "s.scn", line: 1, column: 4, message: "expected a time like 0s, 90s or 1m30s, found '10q'"))
        #expect(Self.error("at")?.column == 3)
        #expect(Self.error("at")?.message.contains("found end of line") == true)
        #expect(Self.error("   at 30s   ")?.column == 13)
        #expect(Self.error("   at 30s   ")?.message == "expected a command after 'at 30s', found end of line")
    }

    @Test func timeMustNotGoBackwards() {
        let e = Self.error("at 0s pause\nat 1m resume\n\nat 30s pause\n")
        #expect(e == ScenarioError(file: "s.scn", line: 4, column: 4, message: "time 30s is earlier than the previous step's 1m"))
    }

    @Test func everyRepeatsACommandAndInterleavesWithLaterLines() throws {
        let s = try Scenario.parse("""
            every 2m for 6m cache flush
            at 1m every 90s for 3m spike 2x for 10s   # 1m, 2m30s
            at 3m drain node-2
            """, file: "s.scn")
        #expect(s.steps.map { "\($0.at) \($0.command)" } == [
            "0s cache flush", "1m spike 2x for 10s", "2m cache flush", "2m30s spike 2x for 10s", "3m drain node-2", "4m cache flush",
        ])
        #expect(s.steps.map(\.line) == [1, 2, 1, 2, 3, 1])
        #expect(Self.error("every 2m 10m cache flush")?.message == "expected 'for' and how long to repeat, like 'every 2m for 10m'")
        #expect(Self.error("every 500ms for 1m cache flush")?.column == 7)
        #expect(Self.error("every 1s for 24h cache flush")?.message.contains("more than 10000 steps") == true)
        #expect(Self.error("at 1m every 2m for 10m")?.message == "expected a command after 'at 1m every 2m for 10m', found end of line")
    }

    @Test func untilSchedulesTheEndOfAFault() throws {
        let s = try Scenario.parse("""
            at 1m until 2m crash shard-2
            at 1m30s consumers wallet-credit 3
            at 2m until 3m consumers wallet-credit 0
            at 2m until 4m gateway slow 5x
            at 2m30s until 2m40s fail node-1
            """, file: "s.scn")
        #expect(s.steps.map { "\($0.at) \($0.command)" } == [
            "1m crash shard-2", "1m30s consumers wallet-credit 3", "2m restore shard-2", "2m consumers wallet-credit 0",
            "2m gateway slow 5x", "2m30s fail node-1", "2m40s recover node-1", "3m consumers wallet-credit 3", "4m gateway slow 1x",
        ])
        let flush = Self.error("at 1m until 2m cache flush")
        #expect(flush?.column == 16)
        #expect(flush?.message.hasPrefix("'cache flush' has no end to schedule; 'until' takes a fault with an opposite") == true)
        #expect(Self.error("at 2m until 1m gateway down")?.message == "the end 1m must come after the start 2m")
        #expect(Self.error("at 2m until soon gateway down")?.message == "expected an end time after 'until' like 0s, 90s or 1m30s, found 'soon'")
    }
}
