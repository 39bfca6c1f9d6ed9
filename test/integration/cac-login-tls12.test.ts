import { describe } from 'vitest';
import { defineCacLoginTests } from './cac-login.cases';

describe('CAC and PKCS#12 login, TLS 1.2 (PKCS#1 v1.5 for RSA cards)', () => defineCacLoginTests('1.2'));
