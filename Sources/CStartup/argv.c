// The command line for the Swift standard library's CommandLine, taken from the program's
// start instead of found by the runtime's ArgvGrabber.
//
// Why (issue 14): the static Swift runtime learns argv in a constructor that opens
// /proc/self/maps, scans every mapping with sscanf to find the stack and walks back from
// `environ`: 30-50 us and a kernel-generated file on every start of every check. glibc calls
// each constructor of the executable with (argc, argv, envp), so argv is simply kept here.
// CommandLine asks for it through _swift_stdlib_getUnsafeArgvArgc; defining that symbol in
// the executable means the runtime's own definition (and its constructor) is never linked from
// libswiftCore.a. With a dynamic Swift runtime (debug builds) the runtime keeps its own and
// this is unused. The end-to-end tests pass arguments to every check, so a runtime that
// stopped calling this would show at once.
#include "CStartup.h"

static char **startArgv;
static int startArgc;

static void keepArguments(int argc, char **argv, char **envp) {
    (void)envp;
    startArgc = argc;
    startArgv = argv;
}

__attribute__((section(".init_array"), used)) static void (*const keepArgumentsAtStart)(int, char **, char **) = keepArguments;

// Same contract as the runtime's (stdlib/public/CommandLineSupport/CommandLine.cpp): argc in
// *outArgLen, argv (NULL-terminated, owned by the process) as the result; Swift calling convention.
__attribute__((swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    static char *empty[] = { 0 };
    if (!startArgv) { *outArgLen = 0; return empty; }
    *outArgLen = startArgc;
    return startArgv;
}

