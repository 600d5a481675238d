#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver (from `libclang_rt.fuzzer_no_main`): runs `test` on generated inputs per its flags.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// A fuzz target's entry point: hands `test` to libFuzzer with the process's arguments and exits with its status.
///
/// SwiftPM gives every executable its own `main`, so libFuzzer is linked without its own (`fuzzer_no_main`) and
/// driven from here.
public func fuzzMain(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
