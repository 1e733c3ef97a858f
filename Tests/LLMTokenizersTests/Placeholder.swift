import XCTest
final class LLMTokenizersPlaceholderTests: XCTestCase { func testBuilds() {} }
