import Foundation
import Speech
import XCTest

/// The front end against `Tests/Fixtures/speech/mel_reference.json`, written by
/// `scripts/whisper/mel_reference.py` (numpy; equal to faster-whisper's FeatureExtractor).
final class LogMelTests: XCTestCase {
    struct Reference: Decodable {
        struct Filters: Decodable { let shape: [Int]; let nonzero: [[Double]]; let row_sums: [Double] }
        struct Case: Decodable {
            let name: String, source: String, samples: Int, content_frames: Int, max_log10: Double
            let row_sums: [Double], column_sums: [Double], entries: [[Double]]
        }
        let filters: Filters
        let cases: [Case]
    }

    static let reference: Reference? = {
        guard let data = try? Data(contentsOf: AudioFrontEndFixtures.speechDirectory
            .appendingPathComponent("mel_reference.json")) else { return nil }
        return try? JSONDecoder().decode(Reference.self, from: data)
    }()

    func loadReference() throws -> Reference {
        try XCTUnwrap(Self.reference, "Tests/Fixtures/speech/mel_reference.json is missing or unreadable")
    }

    /// The synthetic input of the "chirp" case, as the script makes it.
    static func chirp() -> [Float] {
        (0..<(32 * 16000)).map { n in
            let t = Double(n) / 16000
            let phase = 2 * Double.pi * (50 * t + (7950 - 50) / (2 * 32) * t * t)
            return Float(0.5 * (0.6 + 0.4 * sin(2 * Double.pi * 0.7 * t)) * sin(phase))
        }
    }

    func testFilterBankEqualsLibrosaSlaney() throws {
        let reference = try loadReference()
        let bank = LogMelSpectrogram().filterBank
        XCTAssertEqual(reference.filters.shape, [80, 201])
        XCTAssertEqual(bank.count, 80 * 201)
        var expected = [Float](repeating: 0, count: 80 * 201)
        for entry in reference.filters.nonzero { expected[Int(entry[0]) * 201 + Int(entry[1])] = Float(entry[2]) }
        var worst: Float = 0
        for i in 0..<bank.count {
            XCTAssertEqual(bank[i] == 0, expected[i] == 0, "bin \(i % 201) of filter \(i / 201)")
            worst = max(worst, abs(bank[i] - expected[i]) / max(abs(expected[i]), 1e-12))
        }
        XCTAssertLessThan(worst, 1e-6, "relative difference")
        for m in 0..<80 {
            let sum = bank[(m * 201)..<((m + 1) * 201)].reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(sum, reference.filters.row_sums[m], accuracy: 1e-6 * reference.filters.row_sums[m])
        }
    }

    func testWAVAndChirpMatchTheReferenceWindow() throws {
        let reference = try loadReference()
        let front = LogMelSpectrogram()
        for item in reference.cases {
            let samples = item.name == "chirp" ? Self.chirp()
                : try WAVFile.read(path: AudioFrontEndFixtures.path(item.source)).samples
            XCTAssertEqual(samples.count, item.samples)
            let window = front.padded(samples)
            XCTAssertEqual(window.count, 80 * 3000)
            var entryError = 0.0, rowError = 0.0, columnError = 0.0
            for entry in item.entries {
                let value = Double(window[Int(entry[0]) * 3000 + Int(entry[1])])
                entryError = max(entryError, abs(value - entry[2]))
            }
            for m in 0..<80 {
                let sum = window[(m * 3000)..<((m + 1) * 3000)].reduce(0.0) { $0 + Double($1) }
                rowError = max(rowError, abs(sum - item.row_sums[m]) / 3000)
            }
            for t in 0..<3000 {
                let sum = (0..<80).reduce(0.0) { $0 + Double(window[$1 * 3000 + t]) }
                columnError = max(columnError, abs(sum - item.column_sums[t]) / 80)
            }
            print("log-mel \(item.name): max |entry − ref| \(entryError), max mean |row sum − ref| \(rowError), "
                  + "max mean |column sum − ref| \(columnError)")
            XCTAssertLessThan(entryError, 1e-4, item.name)
            XCTAssertLessThan(rowError, 2e-5, item.name)
            XCTAssertLessThan(columnError, 1e-4, item.name)
        }
    }

    func testComputeGivesTheContentFramesOfThePaddedWindow() throws {
        let front = LogMelSpectrogram()
        let samples = try WAVFile.read(path: AudioFrontEndFixtures.path("u04_slt_100.wav")).samples
        let frames = samples.count / 160
        let features = front.compute(samples)
        XCTAssertEqual(features.count, 80 * frames)
        let window = front.padded(samples, toFrames: 3000)
        for m in 0..<80 {
            XCTAssertEqual(Array(features[(m * frames)..<((m + 1) * frames)]),
                           Array(window[(m * 3000)..<(m * 3000 + frames)]))
            XCTAssertTrue(window[(m * 3000 + frames)..<((m + 1) * 3000)].allSatisfy { $0 == 0 })
        }
        // Values lie within the 8-decade range below the maximum: ((L − 8) + 4)/4 … (L + 4)/4.
        let top = features.max() ?? 0, bottom = features.min() ?? 0
        XCTAssertEqual(Double(top - bottom), 2, accuracy: 1e-5)
        // Shorter windows cut the same features.
        XCTAssertEqual(front.padded(samples, toFrames: 50).count, 80 * 50)
        XCTAssertEqual(Array(front.padded(samples, toFrames: 50)[0..<50]), Array(features[0..<50]))
    }

    func testSilenceShortAndEmptyInputs() {
        let front = LogMelSpectrogram()
        let silent = front.compute([Float](repeating: 0, count: 1600))
        XCTAssertEqual(silent.count, 80 * 10)
        XCTAssertTrue(silent.allSatisfy { $0 == -1.5 })          // (log10(1e-10) + 4) / 4
        XCTAssertEqual(front.compute([]), [])
        XCTAssertEqual(front.compute([0.1, 0.2, 0.3]), [])     // fewer than 160 samples: no frames
        XCTAssertEqual(front.padded([]), [Float](repeating: 0, count: 80 * 3000))
        XCTAssertEqual(front.padded([0.5], toFrames: -3), [])
        let tiny = front.compute((0..<170).map { Float($0 % 7) / 10 })   // pads longer than the signal
        XCTAssertEqual(tiny.count, 80)
        XCTAssertTrue(tiny.allSatisfy { $0.isFinite })
    }

    func testFFTEqualsADirectDFT() throws {
        var random = AudioFrontEndFixtures.Random(state: 7)
        for count in [2, 4, 6, 8, 10, 12, 14, 16, 18, 22, 26, 30, 40, 50, 98, 100, 128, 200, 256, 400, 510, 1000] {
            let fft = try XCTUnwrap(RealFFT(count: count))
            let x = (0..<count).map { _ in random.uniform() }
            let (re, im) = try XCTUnwrap(fft.forward(x))
            var worst = 0.0
            for k in 0...(count / 2) {
                var sr = 0.0, si = 0.0
                for j in 0..<count {
                    let angle = -2 * Double.pi * Double((j * k) % count) / Double(count)
                    sr += Double(x[j]) * cos(angle)
                    si += Double(x[j]) * sin(angle)
                }
                worst = max(worst, abs(sr - re[k]), abs(si - im[k]))
            }
            XCTAssertLessThan(worst, 1e-12 * Double(count), "n = \(count)")
        }
        XCTAssertNil(RealFFT(count: 7))
        XCTAssertNil(RealFFT(count: 0))
        XCTAssertNil(ComplexFFT(count: 0))
        XCTAssertNil(try XCTUnwrap(RealFFT(count: 8)).forward([1, 2, 3]))
    }

    func testComplexFFTOfEveryRadix() throws {
        var random = AudioFrontEndFixtures.Random(state: 11)
        for count in [1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 15, 25, 27, 49, 77, 143, 200, 210] {
            let fft = try XCTUnwrap(ComplexFFT(count: count))
            var re = (0..<count).map { _ in Double(random.uniform()) }
            var im = (0..<count).map { _ in Double(random.uniform()) }
            let (xr, xi) = (re, im)
            var scratch = [Double](repeating: 0, count: 2 * count)
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in
                    scratch.withUnsafeMutableBufferPointer { s in
                        guard let r0 = r.baseAddress, let i0 = i.baseAddress, let s0 = s.baseAddress else {
                            return XCTFail("empty buffers")
                        }
                        fft.forward(re: r0, im: i0, scratch: s0)
                    }
                }
            }
            var worst = 0.0
            for k in 0..<count {
                var sr = 0.0, si = 0.0
                for j in 0..<count {
                    let angle = -2 * Double.pi * Double((j * k) % count) / Double(count)
                    sr += xr[j] * cos(angle) - xi[j] * sin(angle)
                    si += xr[j] * sin(angle) + xi[j] * cos(angle)
                }
                worst = max(worst, abs(sr - re[k]), abs(si - im[k]))
            }
            XCTAssertLessThan(worst, 1e-12 * Double(count), "n = \(count)")
        }
    }
}
