import Testing
import CHiredis
@testable import RedisBackend

@Suite struct HiredisSmokeTests {
    @Test func aClosedPortGivesHiredisReason() {
        // Port 1 on loopback is reserved and closed: the connect is refused.
        do {
            _ = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: 1), timeoutMilliseconds: 500)
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.kind == .unreachable)
            #expect(error.description.hasPrefix("cannot reach Redis at 127.0.0.1:1: "))
            #expect(error.reason.lowercased().contains("refused"))
        }
    }

    @Test func readerParsesARESPReply() {
        let reader = redisReaderCreate()!
        defer { redisReaderFree(reader) }
        let bytes = Array("$5\r\nhello\r\n".utf8)
        #expect(redisReaderFeed(reader, bytes.map { CChar(bitPattern: $0) }, bytes.count) == payops_redis_ok())
        var reply: UnsafeMutableRawPointer?
        #expect(redisReaderGetReply(reader, &reply) == payops_redis_ok())
        let r = reply!.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(reply) }
        #expect(Int32(r.pointee.type) == payops_redis_reply_string())
        #expect(String(cString: r.pointee.str) == "hello")
    }
}
