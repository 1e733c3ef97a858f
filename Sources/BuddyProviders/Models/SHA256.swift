import Foundation

/// SHA-256 (FIPS 180-4 §6.2) over a stream of bytes, for checking multi-gigabyte model downloads
/// against the Hub's `sha256`. Feed it in any chunking; `finalized()` leaves the hasher usable.
///
/// The hot path takes 64-byte blocks straight from raw memory; the message schedule lives in a
/// stack buffer made once per `update`, so hashing allocates nothing per block.
public struct SHA256: Sendable {
    /// H0…H7, the running hash value.
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    /// Bytes of an unfinished block (64 bytes as eight words; only the first `pendingCount` count).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// Every byte fed so far; the padding ends with it as a bit count.
    private var byteCount: UInt64 = 0

    public init() {
        // §5.3.3: the first 32 bits of the fractional parts of the square roots of the first eight primes.
        state = (0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    }

    /// Adds `bytes`. Contiguous collections (`[UInt8]`, `Data`, array slices) take the raw fast
    /// path; any other sequence is gathered a block at a time.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { chunk in
            guard let base = chunk.baseAddress else { return }
            var count = 0
            for byte in bytes {
                base[count] = byte
                count += 1
                if count == chunk.count {
                    update(UnsafeRawBufferPointer(start: base, count: count))
                    count = 0
                }
            }
            update(UnsafeRawBufferPointer(start: base, count: count))
        }
    }

    /// Adds the bytes of `buffer`: whole blocks are compressed in place, without copying.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard var source = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        byteCount &+= UInt64(remaining)
        var hash = state
        if pendingCount > 0 {
            let take = min(64 - pendingCount, remaining)
            let filled = pendingCount
            withUnsafeMutableBytes(of: &pending) { block in
                guard let base = block.baseAddress else { return }
                (base + filled).copyMemory(from: source, byteCount: take)
                if filled + take == 64 { Self.compress(&hash, blocks: UnsafeRawPointer(base), count: 1) }
            }
            pendingCount = (filled + take) % 64
            source += take
            remaining -= take
        }
        let whole = remaining / 64
        if whole > 0 {
            Self.compress(&hash, blocks: source, count: whole)
            source += whole * 64
            remaining -= whole * 64
        }
        if remaining > 0 {
            let tail = remaining
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress?.copyMemory(from: source, byteCount: tail)
            }
            pendingCount = tail
        }
        state = hash
    }

    /// The 32-byte digest of everything fed so far. `self` is not changed: more bytes may follow.
    public func finalized() -> [UInt8] {
        var copy = self
        let bitLength = byteCount &* 8
        // §5.1.1: a 1 bit, zeros up to 56 mod 64, then the message length in bits, big-endian.
        let zeros = (55 - pendingCount + 64) % 64
        var padding = [UInt8](repeating: 0, count: 1 + zeros + 8)
        padding[0] = 0x80
        for index in 0..<8 { padding[1 + zeros + index] = UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * UInt64(index))) }
        copy.update(padding)
        let words = copy.state
        var digest = [UInt8]()
        digest.reserveCapacity(32)
        for word in [words.0, words.1, words.2, words.3, words.4, words.5, words.6, words.7] {
            digest += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16),
                       UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
        return digest
    }

    /// The digest as 64 lower-case hexadecimal characters (the form the Hub and `sha256sum` print).
    public func hexDigest() -> String { Self.hexString(finalized()) }

    /// The hex digest of `bytes` in one call.
    public static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.hexDigest()
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]] }
        return String(decoding: text, as: UTF8.self)
    }
}

// MARK: - The compression function (FIPS 180-4 §6.2.2)

extension SHA256 {
    /// §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Folds `count` consecutive 64-byte blocks at `blocks` into `hash`.
    private static func compress(_ hash: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
                                 blocks: UnsafeRawPointer, count: Int) {
        roundConstants.withUnsafeBufferPointer { constants in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                guard let k = constants.baseAddress, let w = schedule.baseAddress else { return }
                for index in 0..<count {
                    compressBlock(&hash, blocks + index * 64, k, w)
                }
            }
        }
    }

    @inline(__always)
    private static func compressBlock(_ hash: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
                                      _ block: UnsafeRawPointer, _ k: UnsafePointer<UInt32>,
                                      _ w: UnsafeMutablePointer<UInt32>) {
        // §6.2.2 step 1: the message schedule W0…W63, big-endian words then the σ recurrence.
        for t in 0..<16 { w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self)) }
        for t in 16..<64 { w[t] = smallSigma1(w[t - 2]) &+ w[t - 7] &+ smallSigma0(w[t - 15]) &+ w[t - 16] }

        // Steps 2–3: 64 rounds, eight at a time with the roles of a…h rotated instead of the
        // values shifted, so no round moves eight registers.
        var (a, b, c, d, e, f, g, h) = hash
        var t = 0
        while t < 64 {
            round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
            round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
            round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
            round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
            round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
            round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
            round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
            round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
            t += 8
        }
        // Step 4: the intermediate hash value.
        hash = (hash.0 &+ a, hash.1 &+ b, hash.2 &+ c, hash.3 &+ d,
                hash.4 &+ e, hash.5 &+ f, hash.6 &+ g, hash.7 &+ h)
    }

    /// One round with the usual names: `d` gains T1 (it becomes the next `e`) and `h` becomes
    /// T1 + T2 (the next `a`). `kw` is K_t + W_t.
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ bigSigma1(e) &+ choose(e, f, g) &+ kw
        let t2 = bigSigma0(a) &+ majority(a, b, c)
        d = d &+ t1
        h = t1 &+ t2
    }

    // §4.1.2, with ∧ ⊕ ¬ and ROTR written out.
    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }
    @inline(__always) private static func choose(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) ^ (~x & z) }
    @inline(__always) private static func majority(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) ^ (x & z) ^ (y & z) }
    @inline(__always) private static func bigSigma0(_ x: UInt32) -> UInt32 { rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22) }
    @inline(__always) private static func bigSigma1(_ x: UInt32) -> UInt32 { rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25) }
    @inline(__always) private static func smallSigma0(_ x: UInt32) -> UInt32 { rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3) }
    @inline(__always) private static func smallSigma1(_ x: UInt32) -> UInt32 { rotr(x, 17) ^ rotr(x, 19) ^ (x &>> 10) }
}

// MARK: - Files

/// A file that could not be hashed: which path, and why (the C library's words).
public struct SHA256FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot hash \(path): \(reason)" }
}

extension SHA256 {
    /// Hashes a file with large sequential reads (e.g. 4 MiB), without loading it whole; throws a typed error naming the path.
    public static func hexDigest(ofFileAt path: String) throws(SHA256FileError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SHA256FileError(path: path, reason: systemReason(errno)) }
        defer { close(descriptor) }
        let chunkSize = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        while true {
            let count = read(descriptor, buffer, chunkSize)
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw SHA256FileError(path: path, reason: systemReason(code))
            }
            if count == 0 { return hasher.hexDigest() }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: count))
        }
    }

    private static func systemReason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
