/// A latency histogram for one second of a sliding window: HdrHistogram's
/// log-linear layout at two significant digits (values 1 µs to 60 s, one
/// bucket per 1% of value), with its answers to the letter (the tests hold
/// it to `Histogram<UInt32>` on random data), but concrete rather than
/// generic. The console asks a dozen windows for percentiles every frame,
/// and the generic library's percentile walk, which cannot be specialised
/// from outside its module, was most of a frame's snapshot.
struct SecondHistogram: Sendable, Equatable {
    /// 2 × 10² needs single-unit resolution: 256 sub-buckets, the upper 128 per bucket after the first.
    static let subBucketHalfCountMagnitude = 7
    static let subBucketHalfCount = 1 << subBucketHalfCountMagnitude
    static let subBucketMask: UInt64 = (1 << (subBucketHalfCountMagnitude + 1)) - 1
    static let leadingZeroCountBase = 64 - (subBucketHalfCountMagnitude + 1)
    static let highestTrackableValue: UInt64 = 60_000_000
    /// Buckets to cover the highest value (256 × 2¹⁸ > 60,000,000), plus one half-bucket.
    static let length: Int = {
        var smallestUntrackable: UInt64 = 1 << (subBucketHalfCountMagnitude + 1)
        var buckets = 1
        while smallestUntrackable <= highestTrackableValue {
            smallestUntrackable <<= 1
            buckets += 1
        }
        return (buckets + 1) * subBucketHalfCount
    }()

    private(set) var counts = [UInt32](repeating: 0, count: SecondHistogram.length)
    private(set) var totalCount: UInt64 = 0
    private(set) var maxValue: UInt64 = 0
    private(set) var minNonZeroValue: UInt64 = .max

    @inline(__always) static func bucketIndex(_ value: UInt64) -> Int {
        leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
    }

    @inline(__always) static func index(_ value: UInt64) -> Int {
        let bucket = bucketIndex(value)
        let subBucket = Int(value >> UInt64(bucket))
        return ((bucket + 1) << subBucketHalfCountMagnitude) + (subBucket - subBucketHalfCount)
    }

    /// The lowest value counted at `index`.
    @inline(__always) static func value(at index: Int) -> UInt64 {
        var bucket = (index >> subBucketHalfCountMagnitude) - 1
        var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucket < 0 {
            subBucket -= subBucketHalfCount
            bucket = 0
        }
        return UInt64(subBucket) << UInt64(bucket)
    }

    /// The highest value counted with `value`.
    static func highestEquivalent(_ value: UInt64) -> UInt64 {
        let bucket = bucketIndex(value)
        let subBucket = Int(value >> UInt64(bucket))
        let lowest = UInt64(subBucket) << UInt64(bucket)
        let size: UInt64 = 1 << UInt64(subBucket >= 2 * subBucketHalfCount ? bucket + 1 : bucket)
        return lowest + size - 1
    }

    /// Counts `value`; a value beyond the range is not counted (false).
    @discardableResult
    mutating func record(_ value: UInt64) -> Bool {
        let i = SecondHistogram.index(value)
        guard i >= 0, i < counts.count else { return false }
        counts[i] &+= 1
        totalCount &+= 1
        if value > maxValue { maxValue = value }
        if value < minNonZeroValue, value != 0 { minNonZeroValue = value }
        return true
    }

    mutating func add(_ other: SecondHistogram) {
        guard other.totalCount > 0 else { return }
        counts.withUnsafeMutableBufferPointer { dst in
            other.counts.withUnsafeBufferPointer { src in
                for i in 0..<dst.count { dst[i] &+= src[i] }
            }
        }
        totalCount &+= other.totalCount
        maxValue = Swift.max(maxValue, other.maxValue)
        minNonZeroValue = Swift.min(minNonZeroValue, other.minNonZeroValue)
    }

    /// Takes out the counts of a histogram added earlier. The extremes
    /// cannot be taken out: the owner sets them again (`setExtremes`).
    mutating func subtract(_ other: SecondHistogram) {
        guard other.totalCount > 0 else { return }
        counts.withUnsafeMutableBufferPointer { dst in
            other.counts.withUnsafeBufferPointer { src in
                for i in 0..<dst.count { dst[i] &-= src[i] }
            }
        }
        totalCount &-= other.totalCount
    }

    mutating func setExtremes(maxValue: UInt64, minNonZeroValue: UInt64) {
        self.maxValue = maxValue
        self.minNonZeroValue = minNonZeroValue
    }

    var min: UInt64 { (counts[0] > 0 || totalCount == 0) ? 0 : minNonZeroValue }

    /// The largest value that `100 − percentile` % of the counted values are
    /// at or above (0 when empty): HdrHistogram's `valueAtPercentile`.
    func valueAtPercentile(_ percentile: Double) -> UInt64 {
        SecondHistogram.valueAtPercentile(percentile, of: self, plus: nil)
    }

    /// `valueAtPercentile` of `a` and `b` counted together, without adding
    /// them into a third histogram (a sliding window's closed seconds and
    /// the one being filled).
    static func valueAtPercentile(_ percentile: Double, of a: SecondHistogram, plus b: SecondHistogram?) -> UInt64 {
        let totalCount = a.totalCount &+ (b?.totalCount ?? 0)
        let maxValue = Swift.max(a.maxValue, b?.maxValue ?? 0)
        let minNonZeroValue = Swift.min(a.minNonZeroValue, b?.minNonZeroValue ?? .max)
        let min = (a.counts[0] &+ (b?.counts[0] ?? 0) > 0 || totalCount == 0) ? 0 : minNonZeroValue
        guard percentile != 0 else { return min }
        guard percentile < 100 else { return maxValue }
        let requested = Swift.min(Swift.max(percentile.nextDown, 0), 100)
        let countAt = Swift.max(1, UInt64(((requested * Double(totalCount)) / 100).rounded(.up)))
        guard countAt <= totalCount else { return 0 }
        // The first bucket where the running count reaches `countAt`. No
        // value lies outside the extremes, so the walk starts at the one
        // nearer the answer: from the largest value down for a high
        // percentile (a p99 passes a few tail buckets, not the thousand
        // below), from the smallest up for a low one. Both find that bucket.
        let i = a.counts.withUnsafeBufferPointer { ca -> Int in
            (b ?? a).counts.withUnsafeBufferPointer { cb -> Int in
                let both = b != nil
                @inline(__always) func count(_ i: Int) -> UInt64 { UInt64(ca[i]) &+ (both ? UInt64(cb[i]) : 0) }
                if countAt > totalCount / 2 {
                    var i = Swift.min(ca.count - 1, SecondHistogram.index(Swift.max(maxValue, 1)))
                    var above: UInt64 = 0
                    while i > 0 {
                        let withThis = above &+ count(i)
                        guard withThis <= totalCount, totalCount - withThis >= countAt else { break }
                        above = withThis
                        i -= 1
                    }
                    return i
                }
                var i = count(0) > 0 || minNonZeroValue == .max ? 0 : Swift.min(ca.count - 1, SecondHistogram.index(minNonZeroValue))
                var running: UInt64 = 0
                while i < ca.count {
                    running &+= count(i)
                    if running >= countAt { return i }
                    i += 1
                }
                return -1
            }
        }
        guard i >= 0 else { return 0 }
        let v = SecondHistogram.highestEquivalent(SecondHistogram.value(at: i))
        return Swift.max(Swift.min(v, maxValue), min)
    }
}

