import Foundation
@testable import Speech
import XCTest

/// The installed whisper-tiny.en (scripts/setup.sh): the reader agrees with what the file holds,
/// as scripts/whisper/dump_ct2.py and numpy read it independently.
final class CTranslate2ModelTests: XCTestCase {
    private func openModel() throws -> CTranslate2Model {
        try CTranslate2Model(path: try installedWhisperDirectory() + "/model.bin")
    }

    func testHeaderVariablesAndAliases() throws {
        let model = try openModel()
        XCTAssertEqual(model.version, 6)
        XCTAssertEqual(model.specName, "WhisperSpec")
        XCTAssertEqual(model.specRevision, 3)
        XCTAssertEqual(model.fileSize, 75_537_502)
        // decoder: 4 layers × 20 + 12 others; encoder: 4 layers × 12 + 8 others.
        XCTAssertEqual(model.variableNames.count, 148)
        XCTAssertEqual(model.variableNames, model.variableNames.sorted())
        XCTAssertEqual(model.aliases, ["decoder/projection/weight": "decoder/embeddings/weight"])

        // Every variable lies inside the file, in name order, without overlapping its neighbour.
        let variables = try model.variableNames.map { try model.require($0) }
        for (previous, next) in zip(variables, variables.dropFirst()) {
            XCTAssertLessThan(previous.fileOffset + previous.byteCount, next.fileOffset, next.name)
        }
        XCTAssertLessThan((variables.last?.fileOffset ?? .max) + (variables.last?.byteCount ?? 0), model.fileSize)
        XCTAssertEqual(variables.first?.name, "decoder/activation")
        XCTAssertEqual(variables.first?.fileOffset, 53)   // dump_ct2.py: "1 bytes at 53"
    }

    func testShapesLayersAndHeads() throws {
        let model = try openModel()
        let expected: [String: [Int]] = [
            "encoder/conv1/weight": [384, 80, 3], "encoder/conv1/bias": [384],
            "encoder/conv2/weight": [384, 384, 3],
            "encoder/position_encodings/encodings": [1500, 384],
            "decoder/embeddings/weight": [51864, 384],
            "decoder/position_encodings/encodings": [448, 384],
            "encoder/layer_3/self_attention/linear_0/weight": [1152, 384],   // q, k, v fused
            "decoder/layer_0/attention/linear_1/weight": [768, 384],         // cross k, v fused
            "decoder/layer_0/ffn/linear_0/weight": [1536, 384],
            "decoder/layer_0/ffn/linear_1/weight": [384, 1536],
            "decoder/layer_norm/gamma": [384],
        ]
        for (name, shape) in expected {
            let variable = try model.require(name, shape: shape)
            XCTAssertEqual(variable.dataType, .float16, name)
            XCTAssertEqual(variable.bytes.count, shape.reduce(1, *) * 2, name)
        }

        func layers(_ side: String) -> Set<String> {
            Set(model.variableNames.compactMap { name in
                name.hasPrefix(side + "/layer_") ? name.split(separator: "/")[1].description : nil
            }.filter { $0 != "layer_norm" })
        }
        XCTAssertEqual(layers("encoder"), ["layer_0", "layer_1", "layer_2", "layer_3"])
        XCTAssertEqual(layers("decoder"), ["layer_0", "layer_1", "layer_2", "layer_3"])
        XCTAssertEqual(try model.requireInteger("encoder/num_heads"), 6)
        XCTAssertEqual(try model.requireInteger("decoder/num_heads"), 6)
        // 384 wide / 6 heads = 64 per head; the fused projection is three of those widths.
        XCTAssertEqual(try model.require("decoder/layer_2/self_attention/linear_0/weight").shape[0], 3 * 384)
    }

    func testScalarSettings() throws {
        let model = try openModel()
        // dump_ct2.py --values: activation 3 (GELU), pre_norm 1, alignment_layer -1, the rest 0 or 1.
        let scalars: [String: (CTranslate2DataType, Int)] = [
            "decoder/activation": (.int8, 3), "decoder/alibi": (.int8, 0), "decoder/pre_norm": (.int8, 1),
            "decoder/scale_embeddings": (.int8, 0), "decoder/start_from_zero_embedding": (.int8, 0),
            "decoder/alignment_heads": (.int16, 1), "decoder/alignment_layer": (.int16, -1),
        ]
        for (name, (type, value)) in scalars {
            XCTAssertEqual(try model.require(name, shape: []).dataType, type, name)
            XCTAssertEqual(try model.requireInteger(name), value, name)
            XCTAssertEqual(model.variable(name)?.floats(), [Float(value)], name)
        }
    }

    func testAliasResolvesToTheSameBytes() throws {
        let model = try openModel()
        let projection = try model.require("decoder/projection/weight", shape: [51864, 384])
        let embedding = try model.require("decoder/embeddings/weight")
        XCTAssertEqual(projection.name, "decoder/embeddings/weight")
        XCTAssertEqual(projection.bytes.baseAddress, embedding.bytes.baseAddress)
        XCTAssertFalse(model.variableNames.contains("decoder/projection/weight"))
    }

    func testFloat16ValuesMatchNumpy() throws {
        let model = try openModel()
        // python3 -c "import numpy as np; d=open('model.bin','rb').read(); i=d.index(b'encoder/conv1/bias\0');
        //   x=np.frombuffer(d,np.float16,384,i+19+10); print(x[:8].astype(np.float32).tolist(), float(x.astype(np.float64).sum()))"
        let bias = try model.require("encoder/conv1/bias").floats()
        XCTAssertEqual(Array(bias.prefix(8)), [0.33935546875, -0.64794921875, -0.98486328125, 0.058837890625,
                                               -0.1334228515625, 0.084228515625, -0.359375, -0.195556640625])
        XCTAssertEqual(bias.reduce(0.0) { $0 + Double($1) }, -148.7792043685913, accuracy: 1e-9)

        // ... i=d.index(b'decoder/layer_norm/gamma\0'); x=np.frombuffer(d,np.float16,384,i+25+10); print(x[-4:]...)
        XCTAssertEqual(Array(try model.require("decoder/layer_norm/gamma").floats().suffix(4)),
                       [12.0546875, 11.4921875, 11.59375, 11.75])

        // ... i=d.index(b'encoder/conv1/weight\0'); x=np.frombuffer(d,np.float16,384*80*3,i+21+18).reshape(384,80,3);
        //   print(x[0,0].astype(np.float32).tolist(), x[383,79].astype(np.float32).tolist())
        let conv = try model.require("encoder/conv1/weight").floats()
        XCTAssertEqual(Array(conv.prefix(3)), [0.028778076171875, 0.0286407470703125, 0.0300445556640625])
        XCTAssertEqual(Array(conv.suffix(3)), [-0.0010786056518554688, -0.004634857177734375, 0.0137176513671875])

        // A row deep in the 40 MB embedding, read through the mapping without converting the rest:
        // ... i=d.index(b'decoder/embeddings/weight\0'); x=np.frombuffer(d,np.float16,51864*384,i+26+14)
        //   .reshape(51864,384); print(x[50257,:4]..., x[51863,-2:]...)
        let embedding = try model.require("decoder/embeddings/weight").bytes
        func half(_ row: Int, _ column: Int) -> Float {
            Float(Float16(bitPattern: UInt16(littleEndian: embedding.loadUnaligned(
                fromByteOffset: (row * 384 + column) * 2, as: UInt16.self))))
        }
        XCTAssertEqual((0..<4).map { half(50257, $0) },
                       [0.03692626953125, 0.01526641845703125, -0.03472900390625, -0.0009016990661621094])
        XCTAssertEqual([half(51863, 382), half(51863, 383)], [-0.01280975341796875, 0.0224609375])
    }

    func testRequireNamesWhatIsWrong() throws {
        let model = try openModel()
        XCTAssertNil(model.variable("encoder/layer_4/ffn/linear_0/weight"))
        for (name, shape, words) in [("encoder/layer_4/ffn/linear_0/weight", nil, ["layer_4", "missing"]),
                                     ("encoder/conv1/weight", [384, 80], ["conv1", "[384, 80, 3]", "[384, 80]"])] {
            do {
                _ = try model.require(name, shape: shape)
                XCTFail("\(name) should be refused")
            } catch {
                guard case .invalidModel(let path, let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(path.hasSuffix("whisper-tiny.en/model.bin"))
                for word in words { XCTAssertTrue(reason.contains(word), reason) }
            }
        }
        XCTAssertThrowsError(try model.requireInteger("encoder/conv1/bias"))
        XCTAssertThrowsError(try model.requireInteger("encoder/layer_norm/gamma"))
    }

    func testWhisperModelFiles() throws {
        let files = try WhisperModelFiles(directory: try installedWhisperDirectory())
        XCTAssertEqual(files.model.specName, "WhisperSpec")
        XCTAssertEqual(files.vocabulary.count, 51864)
        XCTAssertEqual(Array(files.vocabulary.prefix(3)), ["!", "\"", "#"])
        XCTAssertEqual(files.vocabulary[50256], "<|endoftext|>")
        XCTAssertEqual(files.vocabulary[50257], "<|startoftranscript|>")
        XCTAssertEqual(files.vocabulary[51863], "<|30.00|>")
        XCTAssertEqual(files.vocabulary[220], "Ġ")   // the blank suppressed at the start

        let config = files.config
        XCTAssertEqual(config.suppressIDs.count, 90)
        XCTAssertEqual(Array(config.suppressIDs.prefix(6)), [1, 2, 7, 8, 9, 10])
        XCTAssertEqual(Array(config.suppressIDs.suffix(3)), [50359, 50360, 50361])
        XCTAssertEqual(config.suppressIDsBegin, [220, 50256])
        XCTAssertEqual(config.langIDs.count, 98)
        XCTAssertEqual(config.langIDs.first, 50259)
        XCTAssertEqual(config.langIDs.last, 50356)
        XCTAssertEqual(config.alignmentHeads.count, 8)
        XCTAssertEqual(config.alignmentHeads.first, .init(layer: 1, head: 0))
        XCTAssertEqual(config.alignmentHeads.last, .init(layer: 3, head: 4))
    }

    func testDefaultDirectoryIsUnderTheDataHome() {
        let directory = WhisperModelFiles.defaultDirectory
        XCTAssertTrue(directory.hasSuffix("/clicky/models/whisper-tiny.en"), directory)
        let dataHome = ProcessInfo.processInfo.environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        XCTAssertEqual(directory, (dataHome ?? NSHomeDirectory() + "/.local/share") + "/clicky/models/whisper-tiny.en")
    }
}

/// The installed tiny.en directory, or a skip that says how to install it.
func installedWhisperDirectory() throws -> String {
    let directory = WhisperModelFiles.defaultDirectory
    guard FileManager.default.fileExists(atPath: directory + "/model.bin") else {
        throw XCTSkip("whisper-tiny.en is not installed at \(directory); run scripts/setup.sh")
    }
    return directory
}
