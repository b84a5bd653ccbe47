/// A message to a shard's participant in a transaction.
enum ShardMessage {
    case prepare
    case precommit
    case commit
    case abort
    /// 3PC termination: participant `from` asks for this participant's state.
    case stateRequest(from: Int32)
    /// 3PC termination: participant `from` answers with its state.
    case stateReply(from: Int32, state: ParticipantState)
}

/// A message to a transaction's coordinator.
enum CoordinatorMessage {
    case voteYes
    case voteNo(AbortReason)
    /// A single-shard transaction finished on its shard.
    case localDone(committed: Bool, reason: AbortReason?)
    case precommitAck
    case ack
    /// An in-doubt participant asks for the decision.
    case inquiry
}

/// The card gateway's answer to an authorisation.
enum GatewayResult {
    case approved, declined
    /// The gateway is down: the request times out.
    case unavailable
}

/// Everything that can happen at a point in simulated time. Small enough to
/// copy; the references it carries are to long-lived model objects.
enum SimEvent {
    case arrival(Workload, token: UInt32)
    case clientAttempt(Request)
    case gatewayReply(Request, GatewayResult)
    case creditAttempt(Request)
    case toShard(Txn, part: Int32, ShardMessage)
    case toCoordinator(Txn, part: Int32, CoordinatorMessage)
    case walForced(shard: Int32, epoch: UInt32)
    case coordinatorLogForced(coordinator: Int32, epoch: UInt32)
    case lockTimeout(Txn, part: Int32, token: UInt32)
    case participantTimeout(Txn, part: Int32, token: UInt32)
    case terminationDeadline(Txn, part: Int32, token: UInt32)
    case coordinatorTimeout(Txn, token: UInt32)
    case restartShard(Int32, epoch: UInt32)
    case restartCoordinator(Int32, epoch: UInt32)
    case spikeEnd(id: Int)
    case nodeWorkDone(Request, token: UInt32)
    case healthCheck(node: Int32)
    case consumerDone(group: Int32, partition: Int32, offset: Int64, epoch: UInt32)
    case tick
}
