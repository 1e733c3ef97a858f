import LLMEngine
import XCTest

final class SamplerTests: XCTestCase {
    private let logits: [Float] = [1.0, 3.0, 2.5, -1.0, 3.0, 0.5]

    private func draw(_ parameters: SamplingParameters, count: Int = 200) -> [Int32] {
        let sampler = Sampler(parameters: parameters)
        return logits.withUnsafeBufferPointer { buffer in (0..<count).map { _ in sampler.sample(buffer) } }
    }

    func testGreedyTakesTheFirstMaximum() {
        XCTAssertEqual(Set(draw(.greedy)), [1])
    }

    func testSameSeedSameDraws() {
        let parameters = SamplingParameters(temperature: 1, seed: 7)
        XCTAssertEqual(draw(parameters), draw(parameters))
        XCTAssertNotEqual(draw(parameters), draw(SamplingParameters(temperature: 1, seed: 8)))
    }

    func testTopKOneIsGreedyAmongTies() {
        let picks = Set(draw(SamplingParameters(temperature: 1, topK: 1, seed: 1)))
        XCTAssertEqual(picks.count, 1)
        XCTAssertTrue(picks.isSubset(of: [1, 4]))
    }

    func testTopKLimitsTheChoices() {
        let picks = Set(draw(SamplingParameters(temperature: 5, topK: 3, seed: 3), count: 2000))
        XCTAssertEqual(picks, [1, 2, 4])
    }

    func testMinPDropsUnlikelyTokens() {
        // p(token)/p(best) = exp(logit - 3): 2.5 keeps 0.61, 1.0 only 0.14.
        let picks = Set(draw(SamplingParameters(temperature: 1, minP: 0.5, seed: 5), count: 2000))
        XCTAssertEqual(picks, [1, 2, 4])
    }

    func testTopPKeepsTheSmallestNucleus() {
        let picks = Set(draw(SamplingParameters(temperature: 0.1, topP: 0.5, seed: 9), count: 500))
        XCTAssertTrue(picks.isSubset(of: [1, 4]))
    }

    func testRepetitionPenaltyDemotesSeenTokens() {
        let sampler = Sampler(parameters: SamplingParameters(temperature: 0, repetitionPenalty: 2))
        sampler.observe(1)
        sampler.observe(4)
        let pick = logits.withUnsafeBufferPointer { sampler.sample($0) }
        XCTAssertEqual(pick, 2)
    }

    func testTemperatureSpreadsDraws() {
        let picks = draw(SamplingParameters(temperature: 1, seed: 11), count: 4000)
        let counts = Dictionary(grouping: picks, by: { $0 }).mapValues(\.count)
        // Tokens 1 and 4 share the top logit; 3 is exp(-4) as likely: rare but the split is fair.
        XCTAssertEqual(Double(counts[1] ?? 0) / Double(counts[4] ?? 1), 1, accuracy: 0.25)
        XCTAssertLessThan(counts[3] ?? 0, 60)
    }

    /// Temperature alone takes the direct softmax path (16 logits at a time, then a scalar tail):
    /// draw frequencies follow e^(logit / T) there too.
    func testTemperatureDrawsFollowTheSoftmaxOnALongVocabulary() {
        var long = [Float](repeating: -4, count: 101)
        long[37] = 2
        long[80] = 2 + log(3)   // three times as likely as 37
        long[100] = 2           // in the scalar tail
        let sampler = Sampler(parameters: SamplingParameters(temperature: 1, seed: 13))
        let picks = long.withUnsafeBufferPointer { buffer in (0..<6000).map { _ in sampler.sample(buffer) } }
        let counts = Dictionary(grouping: picks, by: { $0 }).mapValues(\.count)
        XCTAssertEqual(Double(counts[80] ?? 0) / Double(counts[37] ?? 1), 3, accuracy: 0.45)
        XCTAssertEqual(Double(counts[100] ?? 0) / Double(counts[37] ?? 1), 1, accuracy: 0.2)
        XCTAssertGreaterThan(counts[37] ?? 0, 900)
        XCTAssertLessThan(6000 - (counts[37] ?? 0) - (counts[80] ?? 0) - (counts[100] ?? 0), 500)
    }

    func testInvalidParametersAreRejected() {
        XCTAssertThrowsError(try SamplingParameters(temperature: -1).validated())
        XCTAssertThrowsError(try SamplingParameters(topP: 0).validated())
        XCTAssertThrowsError(try SamplingParameters(minP: 1).validated())
        XCTAssertThrowsError(try SamplingParameters(temperature: .nan).validated())
    }
}
