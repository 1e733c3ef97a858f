import Foundation
import LLMKernels
import XCTest
@testable import Speech

/// Our encoder and decoder against CTranslate2 itself on the same model
/// (Tests/Fixtures/speech/whisper-reference-tokens.json, made by scripts/whisper/reference_tokens.py):
/// the first-step logits' top five and the whole greedy sequence, on the full (untrimmed) window.
final class WhisperNetworkTests: XCTestCase {
    struct Reference: Decodable {
        struct Utterance: Decodable {
            struct Top: Decodable {
                let ids: [Int]
                let logits: [Float]
            }
            let file: String
            let greedy_ids: [Int]
            let first_step_top5: Top
            let first_step_logsumexp: Float
        }
        let prompt: [Int]
        let utterances: [Utterance]
    }

    func testFirstStepLogitsAndGreedyIdsMatchCTranslate2() throws {
        try WhisperFixtures.requireOptimizedBuild()
        let files = try WhisperFixtures.modelFiles()
        let data = try Data(contentsOf: WhisperFixtures.speech.appendingPathComponent("whisper-reference-tokens.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        let pool = ThreadPool(threadCount: 2)
        let model = try WhisperModel(file: files.model, path: files.model.path, pool: pool)
        let tokenizer = try WhisperTokenizer(vocabulary: files.vocabulary, path: files.directory)
        let decoder = GreedyDecoder(tokenizer: tokenizer, suppress: files.config.suppressIDs,
                                    suppressAtBegin: files.config.suppressIDsBegin,
                                    textContext: model.dimensions.textContext)
        XCTAssertEqual(decoder.prompt, reference.prompt)
        XCTAssertFalse(reference.utterances.isEmpty)

        for utterance in reference.utterances {
            let samples = try WhisperFixtures.samples16k(utterance.file)
            let window = LogMelSpectrogram().padded(samples)
            window.withUnsafeBufferPointer { model.encode($0.baseAddress!) }

            // The first step, suppressed as CTranslate2 suppresses it (config ids, begin ids).
            _ = model.decode(reference.prompt[0])
            let logits = model.decode(reference.prompt[1])
            var row = Array(UnsafeBufferPointer(start: logits, count: model.dimensions.vocabularySize))
            for id in files.config.suppressIDs + files.config.suppressIDsBegin { row[id] = -.infinity }
            let top = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(5)
            XCTAssertEqual(Array(top), utterance.first_step_top5.ids, utterance.file)
            for (id, expected) in zip(utterance.first_step_top5.ids, utterance.first_step_top5.logits) {
                XCTAssertEqual(row[id], expected, accuracy: 2e-3, "\(utterance.file) logit of \(id)")
            }
            let finite = row.filter(\.isFinite)
            let peak = finite.max() ?? 0
            let logSumExp = peak + Float(log(finite.reduce(0.0) { $0 + exp(Double($1 - peak)) }))
            XCTAssertEqual(logSumExp, utterance.first_step_logsumexp, accuracy: 2e-3, utterance.file)

            var ids: [Int] = []
            decoder.run(model, into: &ids)
            XCTAssertEqual(ids, utterance.greedy_ids, utterance.file)
            print("\(utterance.file): top-5 \(Array(top)) first logit \(row[top.first!]) "
                  + "(CTranslate2 \(utterance.first_step_top5.logits[0])), \(ids.count) greedy ids "
                  + (ids == utterance.greedy_ids ? "equal" : "DIFFERENT"))
        }
    }

    /// Decoding twice from the same encoder output gives the same tokens (the decoder's state is
    /// reset), and a second encode of another window replaces the first.
    func testDecoderStateIsResetPerWindow() throws {
        try WhisperFixtures.requireOptimizedBuild()
        let files = try WhisperFixtures.modelFiles()
        let pool = ThreadPool(threadCount: 1)
        let model = try WhisperModel(file: files.model, path: files.model.path, pool: pool)
        let tokenizer = try WhisperTokenizer(vocabulary: files.vocabulary, path: files.directory)
        let decoder = GreedyDecoder(tokenizer: tokenizer, suppress: files.config.suppressIDs,
                                    suppressAtBegin: files.config.suppressIDsBegin,
                                    textContext: model.dimensions.textContext)
        func run(_ file: String) throws -> [Int] {
            LogMelSpectrogram().padded(try WhisperFixtures.samples16k(file)).withUnsafeBufferPointer {
                model.encode($0.baseAddress!)
            }
            var ids: [Int] = []
            decoder.run(model, into: &ids)
            return ids
        }
        let first = try run("u04_slt_100.wav")
        var again: [Int] = []
        decoder.run(model, into: &again)
        XCTAssertEqual(first, again)
        XCTAssertEqual(tokenizer.decode(first).trimmingCharacters(in: .whitespaces), "What is the capital of France?")
        let other = try run("u10_slt_120.wav")
        XCTAssertNotEqual(other, first)
        XCTAssertEqual(try run("u04_slt_100.wav"), first)
    }

    /// The sizes come from the file: tiny.en's.
    func testDimensionsOfTinyEnglish() throws {
        let files = try WhisperFixtures.modelFiles()
        let model = try WhisperModel(file: files.model, path: files.model.path, pool: ThreadPool(threadCount: 1))
        XCTAssertEqual(model.dimensions, WhisperDimensions(melBins: 80, audioContext: 1500, textContext: 448, width: 384,
                                                           heads: 6, encoderLayers: 4, decoderLayers: 4,
                                                           feedForward: 1536, vocabularySize: 51864))
        XCTAssertEqual(model.dimensions.melFrames, 3000)
        XCTAssertEqual(model.dimensions.headDimension, 64)
    }
}
