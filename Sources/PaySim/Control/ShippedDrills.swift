// The shipped drills, compiled in so a copied binary has them.
// Generated from Scenarios/*.scenario, which stay the source: DrillTests
// fails when they differ, and rewrites this file with PAYOPS_UPDATE_SNAPSHOTS=1.

enum ShippedDrills {
    /// File name (without `.scenario`) and contents, by name.
    static let files: [(name: String, text: String)] = [
        ("3pc-split-brain", ##"""
# 3PC split brain: a partition cuts one shard off from everyone under 3PC, and the two sides decide differently.
#   payops run --duration 3m --scenario 3pc-split-brain
#
# Symptoms: transactions caught between pre-commit and commit are
# terminated on both sides of the cut: the isolated shard, uncertain, aborts;
# the rest, pre-committed, commit. The auditor reports the divergence with
# transaction ids, and reconciliation reports what it left in the books.
# Held: it is not meant to; this is 3PC's known flaw under partitions. Run
# the same drill with `at 0s protocol 2pc` and it blocks instead, balanced.

slo reconciliation.breaks == 0

at 0s  protocol 3pc
at 1m  partition shard-2 for 10s
"""##),
        ("black-friday", ##"""
# Black Friday: the load ramps to four times the base in two minutes and a payment spike lands on top.
#   payops run --duration 5m --scenario black-friday
#
# Symptoms: offered load climbs towards the knee; shed rises as the nodes'
# admission control and the merchants' rate limits refuse work; payment p99
# leaves single-digit milliseconds and top-ups queue on the card gateway.
# Goodput levels off rather than collapsing: the retry budget keeps retries
# from piling on. When the ramp comes down, everything drains.
# Held: payments served stay fast, errors stay low, the books close.

slo payment.p99 < 500ms
slo error_rate < 10% over 30s
slo shed < 10% over 30s
slo reconciliation.breaks == 0

at 30s   ramp rate 1000 to 4000 over 2m
at 2m45s spike 1.5x for 30s payment
at 3m30s ramp rate 4000 to 1000 over 1m
"""##),
        ("cache-stampede", ##"""
# Cache stampede: the cache is flushed twice under three times the base load, and every read falls through to the shards.
#   payops run --duration 4m --scenario cache-stampede
#
# Symptoms: the hit rate drops to zero and climbs back as the cache warms;
# shard reads and CPU jump; payment p99 rises until the working set is back.
# Held: the shards absorb it without failing requests.

slo payment.p99 < 100ms
slo error_rate < 5% over 30s   # a merchant over its rate limit is refused (429), and counts

at 30s  rate 3000
at 1m   cache flush
at 2m30s cache flush
"""##),
        ("consumer-outage", ##"""
# Consumer outage: the wallet-credit consumers stop for two minutes, then catch up.
#   payops run --duration 5m --scenario consumer-outage
#
# Symptoms: top-ups are charged at the gateway but not credited: the
# wallet-credit lag grows to about two minutes of callbacks and the
# uncredited top-ups climb. When the consumers return they work through the
# backlog; each top-up is credited exactly once.
# Held: the lag stays under three minutes and no message is lost.

slo lag.wallet-credit < 3m
slo reconciliation.breaks == 0

at 1m until 3m consumers wallet-credit 0
"""##),
        ("coordinator-crash-2pc", ##"""
# Coordinator crash under 2PC: two coordinators die mid-protocol and participants block in doubt until they are back.
#   payops run --duration 4m --scenario coordinator-crash-2pc
#
# Symptoms: prepared participants hold their row locks and wait (the doubt
# column on the Shards panel); their rows' other transactions wait behind
# them or time out. When the coordinator restarts it reads its log and
# finishes what it had decided; what it had not is presumed aborted.
# Held: blocking, not divergence: every transaction ends the same on every
# shard, and the books close.

slo reconciliation.breaks == 0
slo error_rate < 5% over 30s

at 0s  protocol 2pc
at 1m  crash coordinator node-1   # restarts by itself after the restart delay
at 2m  crash coordinator node-4
"""##),
        ("game-day", ##"""
# Game day: ten minutes of a spike, a dead node, a shard and a coordinator that crash, a cache flush and a consumer outage.
#   payops run --duration 10m --scenario game-day
#
# Symptoms: shed and p99 rise in the spike; node-3's requests fail until the
# health checks mark it down; payments on shard-2 fail for its restart
# delay; coordinator node-1's participants wait in doubt; the cache's hit
# rate drops and shard reads jump; wallet-credit lag grows for 30 s.
# Held: the books close, and errors stay bounded outside the faults.

slo reconciliation.breaks == 0
slo payment.p99 < 500ms

at 30s    spike 5x for 1m
at 1m     fail node-3               # the balancer keeps sending until checks notice
at 2m     crash shard-2             # restarts by itself after 15s and recovers from its log
at 3m     recover node-3            # slow start over 30s once checks pass again
at 4m     crash coordinator node-1  # 2PC participants wait in doubt until it is back
at 5m     cache flush               # load moves onto the shards until the cache warms
at 6m     drain node-6
at 7m     consumers wallet-credit 0 # lag grows on topups.callbacks ...
at 7m30s  consumers wallet-credit 8 # ... and drains once consumers return
at 8m     recover node-6
"""##),
        ("gateway-brownout", ##"""
# Gateway brownout: the card gateway slows to five times its latency, then starts losing a fifth of its answers.
#   payops run --duration 5m --scenario gateway-brownout
#
# Symptoms: top-up p99 climbs and the nodes' gateway bulkheads fill; breakers
# may open and fail fast. When answers go missing, authorisations have an
# unknown outcome: each is reversed at the gateway and never credited.
# Payments never touch the gateway and must not notice.
# Held: payments untouched, most top-ups still succeed, the books close.

slo payment.p99 < 50ms
slo payment.error_rate < 0.5%
slo topup.success > 70% over 30s
slo reconciliation.breaks == 0

at 1m    until 2m30s gateway slow 5x
at 2m30s until 4m    gateway timeouts 20%
"""##),
        ("gray-failure", ##"""
# Gray failure: one node turns twenty times slower while its health checks keep passing.
#   payops run --duration 4m --scenario gray-failure
#
# Symptoms: node-3's p99 and in-flight climb while its checks stay green; the
# balancer keeps sending it work until outlier detection or least-loaded
# balancing steers around it. Overall p99 rises with node-3's share.
# Held: payments stay under their latency target overall.

slo payment.p99 < 300ms
slo error_rate < 1% over 30s

at 1m until 3m slow node-3 20x
"""##),
        ("money-under-fire", ##"""
# Money under fire: the life of money through ten minutes of gateway, shard, partition and settlement faults under 2PC.
#   payops run --duration 10m --scenario money-under-fire
#
# The books must close: ledger balanced, zero reconciliation breaks.
#
# Symptoms: top-up p99 and unknown outcomes climb while the gateway drops and
# delays answers; every unknown outcome is reversed at the gateway and never
# credited. The first payout batch (at 5m) meets a crashed shard: its
# transactions abort and are retried under their keys until the shard is
# back, and pay once. Settlements on the cut-off shard wait, then settle
# delivery versus payment, both legs or neither.
# Held: the ledger balances and reconciliation finds no break.

slo reconciliation.breaks == 0

at 1m     gateway timeouts 30%   # the gateway does the work and loses a third of its answers
at 1m30s  gateway slow 20x       # and now answers late: approvals after the deadline
at 2m30s  gateway slow 1x
at 3m     gateway timeouts 0%
at 4m59s  crash shard-2          # a second before the payout batch; restarts by itself after 15s
at 7m     partition shard-3 for 20s   # settlements that need it wait and retry
at 8m     settlement fail-rate 10%    # counterparties start failing: retried, then unwound
"""##),
        ("platform-split", ##"""
# Platform split: a partition splits the shards in two halves for twenty seconds under 2PC.
#   payops run --duration 3m --scenario platform-split
#
# Symptoms: transactions that span the halves cannot collect their votes and
# abort; coordinators on one side lose the other; participants that voted
# wait in doubt and ask again once the network heals. Single-shard work on
# each side goes on.
# Held: atomicity: nothing commits on one side and aborts on the other.

slo reconciliation.breaks == 0

at 0s  protocol 2pc
at 1m  partition shard-1,shard-2 | shard-3,shard-4 for 20s
"""##),
        ("retry-storm", ##"""
# Retry storm: the retry budget is off when a spike pushes the platform past its knee.
#   payops run --duration 4m --scenario retry-storm
#
# Symptoms: attempts per second climb far above offered load as refused
# requests come back as retries; shed grows and goodput falls below what the
# platform served before the spike. With the budget back on, retries are
# capped and goodput recovers. Compare with the same drill without the
# first line.
# Held: it is not meant to; the thresholds show how far it falls.

slo shed < 20% over 30s
slo goodput > 900 over 30s

at 0s    retries budget off
at 1m    spike 8x for 1m
at 3m    retries budget on
"""##),
        ("rolling-drain", ##"""
# Rolling drain: every node is drained and recovered in turn, as for a rolling deploy.
#   payops run --duration 5m --scenario rolling-drain
#
# Symptoms: each drained node finishes its in-flight work and gets no new
# work; the rest take its share; a recovered node comes back under slow
# start. Nothing in flight is lost.
# Held: no errors beyond the usual, latency unmoved.

slo error_rate < 0.5% over 30s
slo payment.p99 < 50ms

at 30s    until 1m10s  drain node-1
at 1m10s  until 1m50s  drain node-2
at 1m50s  until 2m30s  drain node-3
at 2m30s  until 3m10s  drain node-4
at 3m10s  until 3m50s  drain node-5
at 3m50s  until 4m30s  drain node-6
"""##),
        ("shard-crash-during-settlement", ##"""
# Shard crash during settlement: two shards crash while the first trades settle, two minutes after they were made.
#   payops run --duration 5m --scenario shard-crash-during-settlement
#
# Symptoms: settlements and captures that need the crashed shard abort and
# are retried under their keys; requests touching it fail for the restart
# delay; the clearing consumers' lag rises and falls. Delivery versus
# payment holds: a trade settles both legs or neither.
# Held: nothing settles twice or half, the books close.

slo reconciliation.breaks == 0
slo lag.clearing < 1m
slo trade.error_rate < 25% over 30s

at 2m30s crash shard-2   # restarts by itself after the restart delay and recovers from its log
at 3m30s crash shard-3
"""##),
    ]
}
