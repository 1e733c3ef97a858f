import XCTest
final class clickyPlaceholderTests: XCTestCase { func testBuilds() {} }
