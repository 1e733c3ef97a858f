import BuddyProviders
import Foundation
import XCTest

/// SHA-256 against FIPS 180-4's examples and Python's `hashlib`: every length 0…200, large odd
/// sizes, any chunking (every split of a 300-byte message, odd chunks, byte-at-a-time sequences),
/// files read in 4 MiB pieces, and the Hub fixture's published digest.
///
/// The expected digests were made once with this Python (3.11) and pasted below:
///
///     import hashlib
///     def pattern(n): return bytes((i * 31 + 7) % 251 for i in range(n))
///     digests = [hashlib.sha256(pattern(n)).hexdigest() for n in range(201)]
///     print([d[:16] for d in digests])                                  # lengthPrefixes
///     print(hashlib.sha256("\n".join(digests).encode()).hexdigest())    # allLengthsDigest
///     for n in [300, 1_000_003, 4_194_305, 8_400_009]: print(n, hashlib.sha256(pattern(n)).hexdigest())
final class SHA256Tests: XCTestCase {
    /// The message the Python above hashes: period 251, so no block boundary lines up with it.
    private func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(($0 * 31 + 7) % 251) } }

    /// The first 16 hex digits of hashlib's digest of `pattern(n)`, for n = 0…200.
    private let lengthPrefixes: [String] = [
        "e3b0c44298fc1c14", "ca358758f6d27e6c", "140d811b81973993", "647674a296197442",
        "b999f79c534a332d", "a7fed79902b79407", "35a9838ae94607ca", "13ce3403bf0ec804",
        "4fb900ca3f5832fc", "e430ff4a0cf9b2ac", "7d071c217f180529", "5d9cbfe57dbef258",
        "5a4ae535392f9cf9", "efc15ba60a89cfd3", "f682300ae2792c0b", "ab8b2ae9dcbee580",
        "99475c74958fe431", "ab40fc588ad269c3", "c62692b719bb776d", "9b81fcfec9d69306",
        "defdaa1629c79c91", "44cd1b3841bc88db", "706fb639ae3249c2", "8aadef027c268fb0",
        "be093ad870368ca2", "10e971d044ff8084", "ad98a149a0a5351d", "e64aaa2fff01dbce",
        "5afd8bdcc6385378", "28b71efd6f656541", "f6610d5f9607f922", "da1e9cffd75d77cd",
        "56b7d4adf417a771", "42cd6e953a8279af", "067c33ff685e4489", "992ccb588acb6200",
        "844983deafe1a6b6", "e1b4e09263b460ed", "5cedb98154223b5c", "4d030a4e9c9a0da5",
        "ce03e7cce771768c", "5d877a4a33ae9cd4", "c15735747754066a", "d2fa1790fba29f37",
        "2cece9611f1eed9c", "f4771c87150db0d1", "9525e06d4d6f38f8", "f423df83a8c862a8",
        "7cf30809f72ddd2f", "78efe38e33009aac", "90c0622dbba2a5f6", "1bdabbd12d26283e",
        "9d8796fded93ffeb", "91e5d5b879abf820", "375ef99d673f1166", "e40272620990d5f7",
        "5b3154594d65c2a1", "bd73274967a968a1", "1e4ae0e7723c24ed", "23885bd1a53b94f3",
        "7b6f496c0ccf7942", "1195c1987785ac24", "f5ba3bf58c8ff243", "2caeed71c024d190",
        "3483dc12a3fea661", "3a513663aae909c3", "cfd628cb99c10f14", "c93aae15f56d7e61",
        "5c42fdceb2a2dd37", "4da5389150d272bf", "cd78dbd0b8116c84", "dd758ee46cfe4fa2",
        "862edac571a36652", "f7d157392ee263d0", "7ca12491aeda387d", "965e2b7db87869bd",
        "cbc326b4a81fafdd", "f9a583029f9d944b", "73ed4406bf43d341", "a2b82bd537cf7057",
        "00b2ac1607052c47", "0bd1e46b1fca09f0", "dec6fc9fc4b94b89", "0cf8b1382a79ba08",
        "cf86773daa6d0966", "00f7926b11bef87f", "a85f890dbb61e0b0", "35299126630f3845",
        "e57f3e24a7e4d42a", "007615cdd01a8a3d", "2898e7988256d4ef", "b3291284ff8f729b",
        "d66f585b2fa7cdaf", "2c5c74b1da12f842", "1b642ccbe061ff19", "0c527e50fefa65eb",
        "dbca2758727ffc7e", "3d7240c7a95c99e9", "2021355846709865", "c6d4f05fcb19e8da",
        "0ce7761d42d81dfc", "9fda008ad36b4012", "2c1777ee97f81120", "998b32bfa73b617f",
        "245a07efa256cc6c", "ec9884b120e1ccbd", "888bd5e3ae9f7d23", "04b6dac2cc3dcd67",
        "89cc91c55fb315d8", "1c1ace7a86a305f8", "782b27ed529b1871", "615aead7800ce6fb",
        "86f5f86c605e5852", "3f9791d8fd240da4", "49839a835224e635", "391fb947a1bd85f9",
        "853904a4441e00c3", "eb28b4d5ddedaee6", "4687172b53671f21", "c06b1fcfb8d206bb",
        "f425d2567f5c636c", "a75b2c7abda3c75c", "84e1ea944e4a525b", "172832d735eb9fa4",
        "8b8f298e8d44810a", "3cbd5fec25e871a6", "26fc919aec95e793", "2388ace1b8d63834",
        "43a42610c7b657d1", "35b3c29046f207cf", "9cf8983df570fda8", "40109b14d583704f",
        "f2a38543b1830603", "f2e0e95d17693229", "56010563ba48c19c", "e2fa4b32f6a14f59",
        "ff3925890a92e9c4", "852ba70bd6ba42de", "d0e1c35df15abb86", "b1fc192271ee344a",
        "e79e0b1937f244d6", "038105f267f8609e", "7d4630866a49ee05", "df2a7ff03fdd1106",
        "2346a1f9b0dfd689", "4bddc1cb5472af1d", "5b9f8811e4654a56", "cedb176aebf844e0",
        "532c7552a778296e", "96017a7782d8880e", "30cef890118998c9", "664e3c64cdb1391a",
        "d538ef38adeb31b5", "499971ff902db6f9", "13bd336b7b163960", "ad763292a7343545",
        "2ba8ffb0310a4342", "8a9e5f797c23473d", "2f7eb2c3244a7e8b", "dfc7734c1f2ea1cc",
        "a1f25593333d6773", "f9a8a1d424d5e6e6", "0b467d0bfcd35052", "1c6527abc6305938",
        "1f99d227314a8ceb", "346aba2ee8dc7b07", "b9a98f379ab6251c", "cca82f7d493a3097",
        "a41281bdc7d6e6be", "ce109ddb3e8594fc", "51c329dd707e89d2", "a84ecc31be20884a",
        "30e95e2905c277ac", "2f4bd245e11c6e27", "fd1b4c073cd3a769", "ae84a6301d686b35",
        "86416acbbc57e933", "4f4ca62148011ac9", "091d145894035336", "14a5c4e2829577ae",
        "b0c4941a1b9293aa", "a4c63b6bc701231a", "c74d23af5df3da8c", "96901d6b4266ca75",
        "cda69496d876a4a6", "a7be7ff9684f5e61", "1684f3b197169fe3", "213f3044132f7daa",
        "20552336f78e1a31", "71fb9d44c3573baa", "f78fe48920b48a89", "906c63fb3ffc7f50",
        "b7fe17c15760409b", "fb76e41fd9d570f4", "ea153641502cc124", "5a1c8d66043cee0b",
        "48de7326a393f402", "77fa9c6b921be2d5", "a0d55ecca6da60d6", "e39dfc7e29a5349a",
        "766dfab5b7f4e937",
    ]
    /// hashlib's digest of the 201 full hex digests joined by "\n": checks all 64 digits of each.
    private let allLengthsDigest = "497d20a827f76dacc6674a0aa1828982f09be67d691f18a5bc8242c35c6cf757"
    private let largeDigests: [Int: String] = [
        300: "a4d0aa44152179b020b4454eada5787d1852d56b5dac0cc89c6ca9be5954c905",
        1_000_003: "a79aaccf39831e39ad9382f03c515510dcde695830c65a91620160cbe434b410",
        4_194_305: "7b5d27f62ca63d50704fb97adcbd6e71948e99f92f440ba50b2c908b30d8c724",
        8_400_009: "5c7b4a4d1405798970ea610b6f66aabd55dcb28aa32c79d430dcffb45f237b38",
    ]

    // MARK: FIPS 180-4 examples

    func testTheFIPSExamples() {
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ]
        for (message, expected) in vectors {
            XCTAssertEqual(SHA256.hex(of: message.utf8), expected, "\"\(message)\"")
        }
        let abc = SHA256.hex(of: Array("abc".utf8))
        XCTAssertEqual(abc.count, 64)
        XCTAssertEqual(abc, abc.lowercased())
    }

    func testOneMillionAsWholeAndInOddChunks() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(SHA256.hex(of: message), expected)
        var hasher = SHA256()
        var offset = 0, size = 1
        while offset < message.count {
            let end = min(message.count, offset + size)
            hasher.update(message[offset..<end])
            offset = end
            size = size * 3 % 1009 + 1
        }
        XCTAssertEqual(hasher.hexDigest(), expected)
    }

    // MARK: Against hashlib

    func testEveryLengthUpTo200MatchesHashlib() {
        XCTAssertEqual(lengthPrefixes.count, 201)
        var digests: [String] = []
        for length in 0...200 {
            let digest = SHA256.hex(of: pattern(length))
            digests.append(digest)
            XCTAssertEqual(String(digest.prefix(16)), lengthPrefixes[length], "length \(length)")
        }
        XCTAssertEqual(SHA256.hex(of: digests.joined(separator: "\n").utf8), allLengthsDigest)
    }

    func testLargeOddSizesMatchHashlibWholeAndChunked() {
        for size in [300, 1_000_003, 4_194_305] {
            let message = pattern(size)
            XCTAssertEqual(SHA256.hex(of: message), largeDigests[size], "size \(size)")
            var hasher = SHA256()
            var offset = 0, piece = 63
            message.withUnsafeBytes { raw in
                while offset < size {
                    let end = min(size, offset + piece)
                    hasher.update(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                    offset = end
                    piece = piece * 7 % 65_537 + 1
                }
            }
            XCTAssertEqual(hasher.hexDigest(), largeDigests[size], "size \(size) in pieces")
        }
    }

    // MARK: Chunking and the two paths

    func testEverySplitOfA300ByteMessageGivesTheSameDigest() {
        let message = pattern(300)
        for split in 0...300 {
            var hasher = SHA256()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            XCTAssertEqual(hasher.hexDigest(), largeDigests[300], "split at \(split)")
        }
    }

    func testRawPointerAndSequencePathsAgree() {
        let message = pattern(5_000)
        let expected = SHA256.hex(of: message)
        // Byte by byte through sequences that have no contiguous storage.
        XCTAssertEqual(SHA256.hex(of: message.lazy.map { $0 }), expected)
        XCTAssertEqual(SHA256.hex(of: AnySequence(message)), expected)
        XCTAssertEqual(SHA256.hex(of: Data(message)), expected)
        message.withUnsafeBytes { raw in
            var hasher = SHA256()
            hasher.update(raw)
            XCTAssertEqual(hasher.hexDigest(), expected)
            XCTAssertEqual(hasher.finalized(), Array(SHA256Tests.bytes(fromHex: expected)))
        }
        // Both paths interleaved in uneven pieces.
        var state: UInt64 = 0x1234_5678
        for round in 0..<20 {
            var hasher = SHA256()
            var offset = 0
            while offset < message.count {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                let end = min(message.count, offset + Int(state % 200))
                switch state % 3 {
                case 0: message.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
                case 1: hasher.update(message[offset..<end].lazy.map { $0 })
                default: hasher.update(message[offset..<end])
                }
                offset = end
            }
            XCTAssertEqual(hasher.hexDigest(), expected, "round \(round)")
        }
    }

    func testFinalizingLeavesTheHasherUsable() {
        let message = pattern(200)
        var hasher = SHA256()
        hasher.update(message[..<77])
        let early = hasher.finalized()
        XCTAssertEqual(early.count, 32)
        XCTAssertEqual(hasher.finalized(), early)
        XCTAssertEqual(SHA256Tests.hex(early), SHA256.hex(of: message[..<77]))
        hasher.update(message[77...])
        XCTAssertEqual(hasher.hexDigest(), SHA256.hex(of: message))
        XCTAssertEqual(String(hasher.hexDigest().prefix(16)), lengthPrefixes[200])
    }

    // MARK: Files

    func testAFileHashesLikeTheSameBytesInMemory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Two full 4 MiB reads and a short one.
        let message = pattern(8_400_009)
        let large = directory.appendingPathComponent("large.bin")
        try Data(message).write(to: large)
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: large.path), SHA256.hex(of: message))
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: large.path), largeDigests[8_400_009])
        let empty = directory.appendingPathComponent("empty.bin")
        try Data().write(to: empty)
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: empty.path), SHA256().hexDigest())
    }

    func testAMissingFileThrowsAnErrorNamingThePath() {
        let path = "/nonexistent-\(UUID().uuidString)/model.gguf"
        do throws(SHA256FileError) {
            _ = try SHA256.hexDigest(ofFileAt: path)
            XCTFail("hashed a file that does not exist")
        } catch {
            XCTAssertEqual(error.path, path)
            XCTAssertFalse(error.reason.isEmpty)
            XCTAssertTrue(error.description.contains(path), error.description)
        }
        // A directory opens but cannot be read.
        XCTAssertThrowsError(try SHA256.hexDigest(ofFileAt: NSTemporaryDirectory())) { error in
            XCTAssertEqual((error as? SHA256FileError)?.path, NSTemporaryDirectory())
        }
    }

    func testTheHubFixtureHasItsPublishedDigest() throws {
        let path = Fixture.directory.appendingPathComponent("hf-fake-model.bin").path
        let expected = "5ab775379b00e0ca28b6ee8c0b71b2e54307875de77c156356740d946a181be6"
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: path), expected)
        XCTAssertEqual(SHA256.hex(of: try Fixture.bytes("hf-fake-model.bin")), expected)
    }

    // MARK: Helpers

    private static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private static func bytes(fromHex text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count, by: 2).compactMap { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }
}
