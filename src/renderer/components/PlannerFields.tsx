import { GROUNDER_CHOICES } from '../choices.js';
import { TextInput } from './Input.js';
import { Select } from './Select.js';

/** A planner endpoint and model for one run (Agent console, Evaluate); empty fields: Settings → Planner. */
export function PlannerFields(props: {
  /** The fields' id prefix: `${prefix}-endpoint`, `${prefix}-model`. */
  prefix: string;
  endpoint: string;
  model: string;
  setEndpoint: (value: string) => void;
  setModel: (value: string) => void;
  disabled: boolean;
}) {
  const placeholder = 'from Settings → Planner';
  return (
    <>
      <TextInput
        type="url"
        id={`${props.prefix}-endpoint`}
        label="Planner endpoint (OpenAI-compatible; empty: Settings)"
        placeholder={placeholder}
        value={props.endpoint}
        disabled={props.disabled}
        onInput={props.setEndpoint}
      />
      <TextInput
        id={`${props.prefix}-model`}
        label="Planner model"
        placeholder={placeholder}
        value={props.model}
        disabled={props.disabled}
        onInput={props.setModel}
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
