import Foundation
@testable import Speech
import XCTest

/// Hostile and damaged model.bin files built field by field: each is refused as
/// `.invalidModel` with a reason naming the problem, quickly and without a large allocation.
final class CTranslate2CorruptTests: XCTestCase {
    /// Byte offset of the variable count in a file whose spec name is "WhisperSpec".
    private let variableCountOffset = 22

    func testTheSampleOpensAndConvertsEveryType() throws {
        let model = try CTranslate2Model(bytes: CT2FileBuilder.sample().bytes, path: "test.bin")
        XCTAssertEqual(model.version, 6)
        XCTAssertEqual(model.specName, "WhisperSpec")
        XCTAssertEqual(model.specRevision, 3)
        XCTAssertEqual(model.variableNames, ["decoder/embeddings/weight", "encoder/conv1/bias", "encoder/num_heads",
                                             "t/bf16", "t/int32", "t/int8"])
        XCTAssertEqual(model.variable("decoder/embeddings/weight")?.floats(), [0.5, -1, 2, 0.25, -0.125, 65504])
        XCTAssertEqual(model.variable("decoder/projection/weight")?.shape, [3, 2])
        XCTAssertEqual(model.variable("encoder/conv1/bias")?.floats(), [1.5, -2.25, 0, 3e-7])
        XCTAssertEqual(model.variable("encoder/num_heads")?.floats(), [6])
        XCTAssertEqual(model.variable("t/bf16")?.floats(), [1, -0.5, 256])
        XCTAssertEqual(model.variable("t/int32")?.floats(), [-70000, 123456])
        XCTAssertEqual(model.variable("t/int8")?.floats(), [-128, 127])
        XCTAssertEqual(model.variable("t/int8")?.elementCount, 2)
        XCTAssertEqual(try model.requireInteger("encoder/num_heads"), 6)
        XCTAssertEqual(CTranslate2DataType.allCases.map(\.byteWidth), [4, 1, 2, 4, 2, 2])
        XCTAssertEqual(CTranslate2DataType.allCases.map(\.rawValue), [0, 1, 2, 3, 4, 5])
    }

    func testEveryTruncationOfTheSampleIsRefused() {
        let bytes = CT2FileBuilder.sample().bytes
        for length in 0..<bytes.count {
            let reason = assertRefused(Array(bytes[0..<length]), mentioning: []) ?? ""
            XCTAssertTrue(reason.contains("truncated"), "cut at \(length): \(reason)")
        }
    }

    func testUnsupportedVersionsAreNamed() {
        let bytes = CT2FileBuilder.sample().bytes
        for version: UInt32 in [0, 1, 2, 3, 7, 1000, 0x0600_0000, .max] {
            let reason = assertRefused(patched(bytes, at: 0, version), mentioning: ["binary version \(version)", "4 to 6"])
            if version == 0x0600_0000 { XCTAssertTrue(reason?.contains("big-endian") ?? false) }
            if version == 3 { XCTAssertTrue(reason?.contains("convert the model again") ?? false) }
            if version == 7 { XCTAssertTrue(reason?.contains("newer CTranslate2") ?? false) }
        }
        // Text that is not a model at all.
        assertRefused(Array("PK\u{3}\u{4} a zip archive, not a model".utf8), mentioning: ["binary version", "not a CTranslate2"])
    }

    func testHugeCountsAreRefusedBeforeAnyAllocation() {
        let bytes = CT2FileBuilder.sample().bytes
        let before = peakMemoryMegabytes()
        let start = ContinuousClock.now
        for count: UInt32 in [1000, 1 << 20, 1 << 31, .max] {
            assertRefused(patched(bytes, at: variableCountOffset, count), mentioning: ["variable count", "\(count)"])
            var aliases = CT2FileBuilder.sample()
            aliases.aliasCount = count
            assertRefused(aliases.bytes, mentioning: ["alias count", "\(count)"])
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(1))
        XCTAssertLessThan(peakMemoryMegabytes() - before, 64, "a hostile count must not drive an allocation")
    }

    func testRanksAndDimensionsThatCannotBeTrusted() {
        for rank: UInt8 in [9, 100, 255] {
            var builder = CT2FileBuilder.sample()
            builder.variables[1].rank = rank
            assertRefused(builder.bytes, mentioning: ["encoder/conv1/bias", "rank \(rank)"])
        }
        // A zero dimension.
        var zero = CT2FileBuilder.sample()
        zero.variables[0].dims = [3, 0]
        assertRefused(zero.bytes, mentioning: ["dimension 1", "is 0"])
        // Eight dimensions of 2^32 - 1: the element count overflows.
        var overflow = CT2FileBuilder.sample()
        overflow.variables[0].dims = Array(repeating: .max, count: 8)
        assertRefused(overflow.bytes, mentioning: ["decoder/embeddings/weight", "overflows"])
        // Huge dimensions whose product fits: the 12-byte data cannot be that large.
        var huge = CT2FileBuilder.sample()
        huge.variables[0].dims = [.max, 65536]
        assertRefused(huge.bytes, mentioning: ["declares 12 bytes", "must be"])
        // A rank larger than the dimensions written: the shape eats the following fields.
        var eaten = CT2FileBuilder.sample()
        eaten.variables[2].rank = 1
        assertRefused(eaten.bytes, mentioning: ["encoder/num_heads"])
    }

    func testByteSizeMustBeTheShapeTimesTheWidth() {
        for declared: UInt32 in [0, 11, 13, 24, .max] {
            var builder = CT2FileBuilder.sample()
            builder.variables[0].byteCount = declared
            assertRefused(builder.bytes, mentioning: ["decoder/embeddings/weight", "declares \(declared) bytes",
                                                      "must be 12 bytes", "[3, 2]", "float16"])
        }
        // Right size, but the type id changed to one of another width.
        var retyped = CT2FileBuilder.sample()
        retyped.variables[1].typeID = CTranslate2DataType.float16.rawValue
        assertRefused(retyped.bytes, mentioning: ["encoder/conv1/bias", "must be 8 bytes"])
        // A declared size that matches, with the data cut short by the end of the file.
        var short = CT2FileBuilder.sample()
        short.variables = [short.variables[0]]
        short.aliases = []
        short.variables[0].data = Array(short.variables[0].data.prefix(5))
        short.variables[0].byteCount = 12
        assertRefused(short.bytes, mentioning: ["truncated", "data of variable 0"])
    }

    func testUnknownDataTypesAreRefused() {
        for id: UInt8 in [6, 7, 42, 255] {
            var builder = CT2FileBuilder.sample()
            builder.variables[3].typeID = id
            assertRefused(builder.bytes, mentioning: ["t/bf16", "data type id \(id)"])
        }
    }

    func testNamesThatCannotBeTrusted() {
        var pastEnd = CT2FileBuilder.sample()
        pastEnd.variables[5].nameLength = .max
        assertRefused(pastEnd.bytes, mentioning: ["truncated", "name of variable 5", "65535 bytes"])

        var zeroLength = CT2FileBuilder.sample()
        zeroLength.variables[0].nameLength = 0
        assertRefused(zeroLength.bytes, mentioning: ["name of variable 0", "length 0"])

        var noNul = CT2FileBuilder.sample()
        noNul.variables[0].nameLength = UInt16(noNul.variables[0].name.count)   // the NUL is left outside
        assertRefused(noNul.bytes, mentioning: ["name of variable 0", "NUL"])

        var innerNul = CT2FileBuilder.sample()
        innerNul.variables[2].name = Array("encoder\0num_heads".utf8)
        assertRefused(innerNul.bytes, mentioning: ["name of variable 2", "NUL"])

        var invalid = CT2FileBuilder.sample()
        invalid.variables[1].name = [0x65, 0xFF, 0xC0]
        assertRefused(invalid.bytes, mentioning: ["name of variable 1", "UTF-8"])

        var empty = CT2FileBuilder.sample()
        empty.variables[1].name = []
        assertRefused(empty.bytes, mentioning: ["variable 1", "empty name"])

        var spec = CT2FileBuilder.sample()
        spec.specName = ""
        let bytes = patched(spec.bytes, at: 4, UInt16(0xFFF0))
        assertRefused(bytes, mentioning: ["truncated", "spec name", "65520"])
    }

    func testDuplicateNamesAreRefused() {
        var variables = CT2FileBuilder.sample()
        variables.variables[4].name = variables.variables[2].name
        assertRefused(variables.bytes, mentioning: ["variable 4", "'encoder/num_heads'", "twice"])

        var aliasTwice = CT2FileBuilder.sample()
        aliasTwice.aliases.append(("decoder/projection/weight", "t/bf16"))
        assertRefused(aliasTwice.bytes, mentioning: ["alias 1", "decoder/projection/weight", "twice"])

        var aliasShadows = CT2FileBuilder.sample()
        aliasShadows.aliases = [("t/int8", "t/bf16")]
        assertRefused(aliasShadows.bytes, mentioning: ["alias 0", "'t/int8'", "twice"])
    }

    func testAliasesMustPointAtVariables() {
        var missing = CT2FileBuilder.sample()
        missing.aliases = [("decoder/projection/weight", "decoder/embedding/weight")]
        assertRefused(missing.bytes, mentioning: ["'decoder/embedding/weight'", "missing variable"])

        var chained = CT2FileBuilder.sample()
        chained.aliases.append(("second", "decoder/projection/weight"))
        assertRefused(chained.bytes, mentioning: ["alias 1", "missing variable"])
    }

    func testBytesAfterTheAliasTableAreRefused() {
        var builder = CT2FileBuilder.sample()
        builder.trailing = [0]
        assertRefused(builder.bytes, mentioning: ["1 unexpected bytes", "alias table"])
    }

    func testReasonsQuoteNamesOnOneLine() {
        var builder = CT2FileBuilder.sample()
        builder.variables[1].name = Array("bad\nname\u{7}".utf8)
        builder.variables[1].typeID = 99
        assertRefused(builder.bytes, mentioning: ["'bad\\nname\\u{07}'"])
    }

    /// The process's peak resident size so far (Linux reports kilobytes).
    private func peakMemoryMegabytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }
}
