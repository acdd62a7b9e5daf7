#ifndef MAILCHECK_CSTARTUP_H
#define MAILCHECK_CSTARTUP_H
// Nothing to call: argv.c only defines what the Swift runtime calls (see there). Linking this
// target into the executable is what counts.
#endif
