import { useState } from 'react';
import { t } from '../../i18n/en';
import { Field } from '../common/Field';
import { kilobytes } from '../common/format';
import { MAX_PKCS12_BYTES, base64OfDataUrl } from './validate';

export interface Pkcs12File {
  readonly name: string;
  readonly size: number;
  readonly base64: string;
}

export interface Pkcs12FieldsProps {
  readonly file: Pkcs12File | undefined;
  readonly onFile: (file: Pkcs12File | undefined) => void;
  readonly password: string;
  readonly onPassword: (password: string) => void;
  readonly fileError: string | undefined;
}

/** A PKCS#12 file read in the page (the renderer has no file system) and its password. */
export function Pkcs12Fields({ file, onFile, password, onPassword, fileError }: Pkcs12FieldsProps): React.JSX.Element {
  const [readError, setReadError] = useState<string | undefined>();

  const onChange = (e: React.ChangeEvent<HTMLInputElement>): void => {
    const picked = e.target.files?.[0];
    setReadError(undefined);
    onFile(undefined);
    if (!picked) return;
    if (picked.size > MAX_PKCS12_BYTES) {
      setReadError(t('pkcs12.tooLarge', { size: kilobytes(picked.size) }));
      e.target.value = '';
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const base64 = typeof reader.result === 'string' ? base64OfDataUrl(reader.result) : '';
      if (base64.length < 4) setReadError(t('pkcs12.readFailed'));
      else onFile({ name: picked.name, size: picked.size, base64 });
    };
    reader.onerror = () => setReadError(t('pkcs12.readFailed'));
    reader.readAsDataURL(picked);
  };

  return (
    <div className="method-fields">
      <Field
        id="pkcs12-file"
        label={t('pkcs12.file')}
        hint={t('pkcs12.fileHint')}
        error={readError ?? fileError}
        type="file"
        accept=".p12,.pfx,application/x-pkcs12"
        onChange={onChange}
      />
      {file && (
        <p className="field-ok" role="status">
          {t('pkcs12.loaded', { name: file.name, size: kilobytes(file.size) })}
        </p>
      )}
      <Field
        id="pkcs12-password"
        label={t('pkcs12.password')}
        type="password"
        autoComplete="off"
        value={password}
        onChange={(e) => onPassword(e.target.value)}
      />
    </div>
  );
}
