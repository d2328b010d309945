/**
 * Imported first by main.ts, so the page's narrow connect-src policy is in force before any
 * other module runs or downloads anything (see connect-policy.ts).
 */
import { installConnectPolicy } from './connect-policy.ts';

installConnectPolicy();
