import { useEffect, useState } from 'preact/hooks';
import type { ApiTransport } from '../../api/contract.js';
import { DEFAULT_GROUNDER, GROUNDER_CHOICES } from '../choices.js';
import { attempt } from '../status.js';
import { TextInput } from './Input.js';
import { Select } from './Select.js';

/**
 * The planner and grounder chosen for one run (Agent console, Evaluate): the planner fields start
 * empty (Settings → Planner then), the grounder as the settings have it.
 */
export function useRunModels(api: ApiTransport) {
  const [endpoint, setEndpoint] = useState('');
  const [model, setModel] = useState('');
  const [grounder, setGrounder] = useState<string>(DEFAULT_GROUNDER);
  useEffect(() => {
    void attempt(() => api.call('settings.get', {})).then((s) => s && setGrounder(s.grounder.name));
  }, [api]);
  return { endpoint, setEndpoint, model, setModel, grounder, setGrounder };
}
export type RunModels = ReturnType<typeof useRunModels>;

/** A planner endpoint and model for one run; empty fields: Settings → Planner. */
export function PlannerFields(props: {
  /** The fields' id prefix: `${prefix}-endpoint`, `${prefix}-model`. */
  prefix: string;
  models: RunModels;
  disabled: boolean;
}) {
  const { models } = props;
  const placeholder = 'from Settings → Planner';
  return (
    <>
      <TextInput
        type="url"
        id={`${props.prefix}-endpoint`}
        label="Planner endpoint (OpenAI-compatible; empty: Settings)"
        placeholder={placeholder}
        value={models.endpoint}
        disabled={props.disabled}
        onInput={models.setEndpoint}
      />
      <TextInput
        id={`${props.prefix}-model`}
        label="Planner model"
        placeholder={placeholder}
        value={models.model}
        disabled={props.disabled}
        onInput={models.setModel}
      />
    </>
  );
}

/** The grounder for one run (Agent console, Evaluate): the vocabulary's grounders, labelled. */
export function GrounderSelect(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  disabled: boolean;
}) {
  return (
    <>
      <label for={props.id}>Grounder</label>
      <Select options={GROUNDER_CHOICES} {...props} />
    </>
  );
}
