import BuddyLinux
import XCTest

final class ModuleTests: XCTestCase {
    func testTheModuleLinks() { _ = BuddyLinux.self }
}
