/* An NSS passwd source for tests: while the file named by FAIL_FLAG exists it cannot answer (as sssd or LDAP before
 * they are up); otherwise it knows one user, nsstest (uid 61234), and answers "not found" for every other. */
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

static enum nss_status outage(int *errnop)
{
    *errnop = EIO;
    return NSS_STATUS_UNAVAIL;
}

static enum nss_status fill(struct passwd *pwd, char *buf, size_t buflen, int *errnop)
{
    static const char name[] = "nsstest";
    if (buflen < sizeof name + 2) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    memcpy(buf, name, sizeof name);
    buf[sizeof name] = '\0';
    buf[sizeof name + 1] = '\0';
    pwd->pw_name = buf;
    pwd->pw_passwd = buf + sizeof name;
    pwd->pw_uid = 61234;
    pwd->pw_gid = 61234;
    pwd->pw_gecos = buf + sizeof name;
    pwd->pw_dir = "/";
    pwd->pw_shell = "/bin/sh";
    return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_privporttest_getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen, int *errnop)
{
    if (access(FAIL_FLAG, F_OK) == 0)
        return outage(errnop);
    if (strcmp(name, "nsstest") != 0)
        return NSS_STATUS_NOTFOUND;
    return fill(pwd, buf, buflen, errnop);
}

enum nss_status _nss_privporttest_getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t buflen, int *errnop)
{
    if (access(FAIL_FLAG, F_OK) == 0)
        return outage(errnop);
    if (uid != 61234)
        return NSS_STATUS_NOTFOUND;
    return fill(pwd, buf, buflen, errnop);
}
