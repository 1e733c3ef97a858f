import XCTest
final class LLMKernelsPlaceholderTests: XCTestCase { func testBuilds() {} }
