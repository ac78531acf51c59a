import type { CallDriver, SipUacDriverOptions } from './load-types.ts';
import { LeanUacDriver } from './lean-uac.ts';
import { SipUacDriver } from './sip-uac-driver.ts';

/** The `sip-uac` driver the options ask for: our full user agent (`engine: 'ua'`, the default) or the lean engine. */
export function createSipUacDriver(options: SipUacDriverOptions): Promise<CallDriver> {
  return options.engine === 'lean' ? LeanUacDriver.create(options) : SipUacDriver.create(options);
}
