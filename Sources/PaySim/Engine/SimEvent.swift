/// A message to a shard's participant in a transaction.
enum ShardMessage {
    case prepare
    /// A prepare the shard refused at its door: its CPU queue was over the limit.
    case prepareRefused
    /// 3PC pre-commit, from the coordinator (`from` -1) or a terminating peer.
    case precommit(from: Int32)
    case commit
    case abort
    /// 3PC termination: participant `from` asks for this participant's state.
    case stateRequest(from: Int32)
    /// 3PC termination: participant `from` answers with its state.
    case stateReply(from: Int32, state: ParticipantState)
    /// 3PC termination: participant `from` has forced the pre-commit a terminator sent it.
    case precommitAck(from: Int32)
}

/// A message to a transaction's coordinator.
enum CoordinatorMessage {
    case voteYes
    case voteNo(AbortReason)
    /// A single-shard transaction finished on its shard.
    case localDone(committed: Bool, reason: AbortReason?)
    case precommitAck
    case ack
    /// 3PC: a commit reached a participant that had already aborted on its
    /// own (the termination protocol decided without the coordinator).
    case hadAborted
    /// An in-doubt participant asks for the decision.
    case inquiry
}


/// Everything that can happen at a point in simulated time. Small enough to
/// copy; the references it carries are to long-lived model objects.
enum SimEvent {
    case arrival(Workload, token: UInt32)
    case clientAttempt(Request)
    /// A request's answer reaches its client (a refusal, after its round trip).
    case attemptAnswered(Request, AttemptResult)
    /// The card gateway processes an authorisation (it may charge the card).
    case gatewayProcess(Request, token: UInt32)
    /// The gateway's answer reaches the node that asked.
    case gatewayReply(Request, approved: Bool, token: UInt32)
    case gatewayCallTimeout(Request, token: UInt32)
    /// The gateway processes the capture of an authorisation it approved.
    case gatewayCapture(Request, token: UInt32)
    case gatewayCaptureReply(Request, captured: Bool, token: UInt32)
    /// A payment's, trade's or top-up's next step is due.
    case lifeDue(id: Int64, LifeTimer)
    /// A background job (capture, release, refund, settlement, payout) tries again.
    case jobAttempt(Request)
    case payoutBatch
    /// A reversal (void) reaches the gateway; its acknowledgement comes back.
    case reversalAtGateway(requestID: Int64)
    case reversalAcknowledged(requestID: Int64)
    case creditAttempt(Request)
    /// `from` is the sending participant, or -1 for the coordinator.
    case toShard(Txn, part: Int32, from: Int32, ShardMessage)
    case toCoordinator(Txn, part: Int32, CoordinatorMessage)
    case walForced(shard: Int32, epoch: UInt32)
    case coordinatorLogForced(coordinator: Int32, epoch: UInt32)
    case lockTimeout(Txn, part: Int32, token: UInt32)
    case participantTimer(Txn, part: Int32, ParticipantMachine.Timer, token: UInt32)
    case coordinatorTimeout(Txn, token: UInt32)
    case restartShard(Int32, epoch: UInt32)
    case restartCoordinator(Int32, epoch: UInt32)
    case spikeEnd(id: Int)
    case nodeWorkDone(Request, token: UInt32)
    case healthCheck(node: Int32)
    case consumerDone(group: Int32, partition: Int32, offset: Int64, epoch: UInt32)
    case tick
    /// A step of the drill the run follows (`Simulation.followDrill`).
    case drillStep(Int32)
    /// A timer cancelled after it was armed: it keeps its place in the
    /// queue (the run's order of events does not change) but holds nothing.
    case cancelled
}

typealias TimerHandle = EventQueue<SimEvent>.TimerHandle
