import Foundation
@testable import Speech
import XCTest

/// Builds CTranslate2 model.bin files byte by byte, valid by default, so a test can damage
/// exactly one field (a count, a length, a rank, a type id, a byte size) and nothing else.
struct CT2FileBuilder {
    struct Variable {
        var name: [UInt8]
        /// Written instead of `name.count + 1` when set.
        var nameLength: UInt16?
        var dims: [UInt32]
        /// Written instead of `dims.count` when set.
        var rank: UInt8?
        var typeID: UInt8
        var data: [UInt8]
        /// Written instead of `data.count` when set.
        var byteCount: UInt32?
    }

    var version: UInt32 = 6
    var specName = "WhisperSpec"
    var specRevision: UInt32 = 3
    var variables: [Variable] = []
    var variableCount: UInt32?
    var aliases: [(String, String)] = []
    var aliasCount: UInt32?
    var trailing: [UInt8] = []

    /// Adds a variable whose data is `values` encoded as `type` (little-endian).
    mutating func add(_ name: String, _ shape: [Int], _ type: CTranslate2DataType, _ values: [Double]) {
        precondition(values.count == shape.reduce(1, *), "test data must match the shape")
        var data: [UInt8] = []
        for value in values {
            switch type {
            case .float32: append(Float(value).bitPattern, to: &data)
            case .int8: data.append(UInt8(bitPattern: Int8(value)))
            case .int16: append(UInt16(bitPattern: Int16(value)), to: &data)
            case .int32: append(UInt32(bitPattern: Int32(value)), to: &data)
            case .float16: append(Float16(Float(value)).bitPattern, to: &data)
            case .bfloat16: append(UInt16(truncatingIfNeeded: Float(value).bitPattern >> 16), to: &data)
            }
        }
        variables.append(Variable(name: Array(name.utf8), dims: shape.map { UInt32($0) },
                                  typeID: type.rawValue, data: data))
    }

    /// A small valid file with every data type, a scalar and an alias.
    static func sample() -> CT2FileBuilder {
        var builder = CT2FileBuilder()
        builder.add("decoder/embeddings/weight", [3, 2], .float16, [0.5, -1, 2, 0.25, -0.125, 65504])
        builder.add("encoder/conv1/bias", [4], .float32, [1.5, -2.25, 0, 3e-7])
        builder.add("encoder/num_heads", [], .int16, [6])
        builder.add("t/bf16", [3], .bfloat16, [1, -0.5, 256])
        builder.add("t/int32", [2], .int32, [-70000, 123456])
        builder.add("t/int8", [2, 1], .int8, [-128, 127])
        builder.aliases = [("decoder/projection/weight", "decoder/embeddings/weight")]
        return builder
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        append(version, to: &out)
        appendString(Array(specName.utf8), length: nil, to: &out)
        append(specRevision, to: &out)
        append(variableCount ?? UInt32(variables.count), to: &out)
        for variable in variables {
            appendString(variable.name, length: variable.nameLength, to: &out)
            out.append(variable.rank ?? UInt8(variable.dims.count))
            for dim in variable.dims { append(dim, to: &out) }
            out.append(variable.typeID)
            append(variable.byteCount ?? UInt32(variable.data.count), to: &out)
            out += variable.data
        }
        append(aliasCount ?? UInt32(aliases.count), to: &out)
        for (alias, target) in aliases {
            appendString(Array(alias.utf8), length: nil, to: &out)
            appendString(Array(target.utf8), length: nil, to: &out)
        }
        return out + trailing
    }

    private func appendString(_ text: [UInt8], length: UInt16?, to out: inout [UInt8]) {
        append(length ?? UInt16(text.count + 1), to: &out)
        out += text
        out.append(0)
    }
}

func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
}

/// Writes `value` little-endian over `bytes[offset...]`.
func patched<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int, _ value: T) -> [UInt8] {
    var copy = bytes
    withUnsafeBytes(of: value.littleEndian) { raw in
        for (index, byte) in raw.enumerated() { copy[offset + index] = byte }
    }
    return copy
}

/// Opens `bytes` through the model's own path and returns the reason it was refused, failing the
/// test when it opens, throws anything but `.invalidModel`, or gives a reason without `expected`
/// or spanning lines.
@discardableResult
func assertRefused(_ bytes: [UInt8], mentioning expected: [String],
                   file: StaticString = #filePath, line: UInt = #line) -> String? {
    do {
        _ = try CTranslate2Model(bytes: bytes, path: "test.bin")
        XCTFail("the damaged file opened; expected a reason mentioning \(expected)", file: file, line: line)
        return nil
    } catch {
        guard case .invalidModel(let path, let reason) = error else {
            XCTFail("expected invalidModel, got \(error)", file: file, line: line)
            return nil
        }
        XCTAssertEqual(path, "test.bin", file: file, line: line)
        for word in expected {
            XCTAssertTrue(reason.contains(word), "'\(reason)' should mention '\(word)'", file: file, line: line)
        }
        XCTAssertFalse(error.description.contains("\n"), "one line: \(error)", file: file, line: line)
        return reason
    }
}

/// A fresh directory under the temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "ct2-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}
