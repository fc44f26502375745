// platform-sso-not-registered (informational): Platform SSO is set up on the Mac (macOS 13+), but the Mac
// or the console user has not completed registration with the identity provider. The agent reads it as
// the console user; while nobody is at the console it repeats the last reading.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { notReported } from './not-reported.ts';

const ID = 'platform-sso-not-registered';

export const platformSsoNotRegistered: RuleDefinition = {
  id: ID,
  title: 'Platform SSO registration not completed',
  severity: 'low',
  informational: true,
  probes: ['app_sso_platform', 'console_user', 'sw_vers'],
  remediation:
    "Have the user complete registration from the 'Registration Required' notification or the IdP app " +
    '(e.g. Company Portal). Check, as the user, that `app-sso platform -s` shows `registrationCompleted : ' +
    'true` and a User Configuration that is not (null). If it never completes, check the SSO extension ' +
    'profile (extension and team identifiers) and the IdP side. A grace window of a day (graceSeconds ' +
    'platform-sso-not-registered=86400) leaves the user time to register.',
  evaluate({ snapshot }) {
    const sso = snapshot.platformSso;
    const na = new Set(snapshot.notApplicable);
    if (na.has('platformSso')) return [outcome(ID, 'not_applicable', 'Platform SSO needs macOS 13 or later')];
    if (sso === undefined) return [notReported(ID, snapshot, 'Platform SSO')];
    if (sso === null) {
      if (na.has('platformSso.user'))
        return [outcome(ID, 'not_applicable', 'not read yet: nobody has been logged in at the console')];
      return [
        outcome(
          ID,
          'unknown',
          'the Platform SSO state is unknown' +
            becauseOf(quoteErrors(errorsOf(snapshot, ['app_sso_platform', 'console_user']))),
        ),
      ];
    }
    if (!sso.deviceConfigured)
      return [outcome(ID, 'not_applicable', 'Platform SSO is not configured on this Mac')];
    const ext = sso.extensionIdentifier ?? 'its SSO extension';
    if (sso.deviceRegistered === false)
      return [outcome(ID, 'fail', `the Mac is not registered for Platform SSO with ${ext}`)];
    if (sso.user !== null && !sso.user.registered)
      return [outcome(ID, 'fail', `${sso.user.name} has not registered for Platform SSO with ${ext}`)];
    if (sso.deviceRegistered === null)
      return [
        outcome(
          ID,
          'unknown',
          'whether the Mac is registered for Platform SSO is unknown' +
            becauseOf(quoteErrors(errorsOf(snapshot, ['app_sso_platform']))),
        ),
      ];
    return [
      outcome(
        ID,
        'pass',
        sso.user === null
          ? `the Mac is registered for Platform SSO with ${ext}`
          : `the Mac and ${sso.user.name} are registered for Platform SSO with ${ext}`,
      ),
    ];
  },
};
