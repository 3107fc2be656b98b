import { TASK_STATUSES } from './task';

/** Task types in the schema enum of Glance 25.1, which predates location_import. */
const SCHEMA_TASK_TYPES = ['import', 'api_image_import'];

function taskProperties(): Record<string, object> {
  return {
    id: {
      type: 'string',
      description: 'An identifier for the task',
      pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
    },
    type: { type: 'string', description: 'The type of task represented by this content', enum: SCHEMA_TASK_TYPES },
    status: { type: 'string', description: 'The current status of this task', enum: [...TASK_STATUSES] },
    input: { type: ['null', 'object'], description: 'The parameters required by task, JSON blob' },
    result: { type: ['null', 'object'], description: 'The result of current task, JSON blob' },
    owner: { type: 'string', description: 'An identifier for the owner of this task' },
    message: {
      type: 'string',
      description: 'Human-readable informative message only included when appropriate (usually on failure)',
    },
    image_id: { type: 'string', description: 'Image associated with the task' },
    request_id: { type: 'string', description: 'Human-readable informative request-id' },
    user_id: { type: 'string', description: 'User associated with the task' },
    expires_at: {
      type: ['null', 'string'],
      description: 'Datetime when this resource would be subject to removal',
    },
    created_at: { type: 'string', description: 'Datetime when this resource was created' },
    updated_at: { type: 'string', description: 'Datetime when this resource was updated' },
    self: { readOnly: true, type: 'string' },
    schema: { readOnly: true, type: 'string' },
  };
}

/** Builds the document of GET /v2/schemas/task. */
export function taskSchema(): object {
  return { name: 'task', properties: taskProperties() };
}

/** Builds the document of GET /v2/schemas/tasks. */
export function tasksSchema(): object {
  const { input: _input, result: _result, message: _message, ...stub } = taskProperties();
  return {
    name: 'tasks',
    properties: {
      tasks: { type: 'array', items: { name: 'task', properties: stub } },
      schema: { type: 'string' },
    },
    links: [{ rel: 'describedby', href: '{schema}' }],
  };
}
