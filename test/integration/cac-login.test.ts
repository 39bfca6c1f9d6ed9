import { describe } from 'vitest';
import { defineCacLoginTests } from './cac-login.cases';

describe('CAC and PKCS#12 login, TLS 1.3', () => defineCacLoginTests('1.3'));
