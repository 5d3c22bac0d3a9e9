// The libFuzzer target of `make fuzz` (see Fuzz/README.md). Built only with CAMPAIGND_FUZZ=1 and
// `-sanitize=fuzzer`: libFuzzer runs the fuzzing loop and calls `LLVMFuzzerTestOneInput` once per input.
//
// One input goes through three harnesses, each of which must never crash:
//   (a) the JSON parser and the strict decoder, with properties a correct parser keeps;
//   (b) the dispatcher, on the admin and the public role, against a real campaign database;
//   (c) the frame decoders, fed the input in two reads.
// A property that fails traps (`fuzzCheck`), which libFuzzer reports as a crash with its input.

import CampaignProtocol
import CampaignService
import Foundation
import NIOCore
import NIOEmbedded
import NIOExtras

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzJSON(bytes)
    fuzzFastMatch(bytes)
    fuzzDispatcher(bytes)
    fuzzFraming(bytes)
    return 0
}

/// The entry point. SwiftPM links an executable with `--defsym main=CampaignFuzz_main` (so that tests
/// can link executables), which under `-parse-as-library` would name a symbol nobody defines, and
/// also takes precedence over libFuzzer's own `main`; so this is the `main`, and it runs libFuzzer's
/// driver as libFuzzer's `main` would.
@_cdecl("CampaignFuzz_main")
public func campaignFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

/// libFuzzer's driver (compiler-rt `FuzzerInterface.h`), present whenever `-sanitize=fuzzer` links.
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// A failed property: print why, then trap so that libFuzzer keeps the input.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data("CampaignFuzz: property failed: \(message())\n".utf8))
        fatalError(message())
    }
}
