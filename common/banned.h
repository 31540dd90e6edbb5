/*
 * banned.h: functions that must not be used in hush (after git's banned.h). Including this header last in a .c
 * file turns each use into a compile error naming the function.
 */
#ifndef HUSH_BANNED_H
#define HUSH_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef mktemp
#define mktemp(x) BANNED(mktemp)
#undef gets
#define gets(x) BANNED(gets)

#ifndef HUSH_CLI
#undef setenv
#define setenv(x, y, z) BANNED(setenv)
#undef putenv
#define putenv(x) BANNED(putenv)
#undef system
#define system(x) BANNED(system)
#endif

#endif
